using Microsoft.Data.Sqlite;

namespace AuthPortal.Tests.Infrastructure.Hosting;

/// <summary>Runs the built AuthPortal.dll as a separate process, the way an operator does.</summary>
public sealed class CommandLineTests
{
    private static Task<(int ExitCode, string Output)> RunAsync(string arguments, IDictionary<string, string> environment) =>
        AppCommand.RunAsync(arguments, environment);

    [Fact]
    public async Task MigrateCommandCreatesTheSchemaAndExitsWithoutServing()
    {
        var database = Path.Combine(TestPaths.NewTempDirectory("migrate"), "portal.db");

        var (exitCode, output) = await RunAsync("migrate", new Dictionary<string, string> { ["ConnectionStrings__AuthPortal"] = $"Data Source={database}" });

        Assert.True(exitCode == 0, output);
        Assert.Contains("The database is up to date.", output);
        Assert.DoesNotContain("Now listening", output);
        await using var connection = new SqliteConnection($"Data Source={database};Pooling=false");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('AspNetUsers', 'AuditEvents', 'DataProtectionKeys', '__EFMigrationsHistory')";
        Assert.Equal(4L, (long)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task WithLoggingJsonEveryConsoleLineIsAJsonObject()
    {
        var database = Path.Combine(TestPaths.NewTempDirectory("json-logs"), "portal.db");

        var (exitCode, output) = await RunAsync("migrate", new Dictionary<string, string>
        {
            ["ConnectionStrings__AuthPortal"] = $"Data Source={database}",
            ["Logging__Json"] = "true",
        });

        Assert.True(exitCode == 0, output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.NotEmpty(lines);
        Assert.All(lines, line => Assert.Equal(System.Text.Json.JsonValueKind.Object, System.Text.Json.JsonDocument.Parse(line).RootElement.ValueKind));
        Assert.Contains(lines, line => line.Contains("\"Message\":\"The database is up to date.", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Lockout__MaxFailedAttempts", "0", "Lockout:MaxFailedAttempts")]
    [InlineData("Lockout__Minutes", "soon", "Lockout:Minutes")]
    [InlineData("Passwords__MinLength", "4", "Passwords:MinLength")]
    [InlineData("Database__Provider", "Oracle", "Database:Provider")]
    [InlineData("Bootstrap__AdminEmail", "not-an-email", "Bootstrap:AdminEmail")]
    [InlineData("Email__Smtp__Port", "70000", "Email:Smtp:Port")]
    [InlineData("Proxy__KnownProxies__0", "proxy.example", "Proxy:KnownProxies")]
    [InlineData("ConnectionStrings__AuthPortal", "Data Source=x.db;Mode=Sideways", "ConnectionStrings:AuthPortal")]
    [InlineData("Database__Provider", "sqlite", "Database:Provider")]
    [InlineData("App__PublicUrl", "id.example.com", "App:PublicUrl")]
    [InlineData("DataProtection__CertificatePath", "/nonexistent/keyring.pfx", "DataProtection:CertificatePath")]
    [InlineData("OpenTelemetry__Endpoint", "collector:4317", "OpenTelemetry:Endpoint")]
    [InlineData("OpenTelemetry__Protocol", "carrier-pigeon", "OpenTelemetry:Protocol")]
    public async Task ABadSettingStopsTheAppWithOneMessageNamingTheKey(string variable, string value, string key)
    {
        var database = Path.Combine(TestPaths.NewTempDirectory("badconfig"), "portal.db");

        var (exitCode, output) = await RunAsync("", new Dictionary<string, string>
        {
            ["ConnectionStrings__AuthPortal"] = $"Data Source={database}",
            [variable] = value,
        });

        Assert.Equal(1, exitCode);
        var line = Assert.Single(output.Split('\n'), l => l.StartsWith("Configuration error:", StringComparison.Ordinal));
        Assert.Contains(key, line);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public async Task AnUnknownCommandListsTheCommandsAndExits2WithoutServing()
    {
        var database = Path.Combine(TestPaths.NewTempDirectory("unknown-command"), "portal.db");

        var (exitCode, output) = await RunAsync("audit verfy", new Dictionary<string, string> { ["ConnectionStrings__AuthPortal"] = $"Data Source={database}" });

        Assert.Equal(2, exitCode);
        Assert.Contains("Unknown command: audit verfy", output);
        Assert.Contains("audit verify", output);
        Assert.DoesNotContain("Now listening", output);
    }

    [Fact]
    public async Task AuditVerifyExits0ForAnIntactChainAnd1NamingTheBrokenLink()
    {
        var database = Path.Combine(TestPaths.NewTempDirectory("audit-verify"), "portal.db");
        var environment = new Dictionary<string, string> { ["ConnectionStrings__AuthPortal"] = $"Data Source={database}" };
        Assert.Equal(0, (await RunAsync("migrate", environment)).ExitCode);

        var (intactCode, intactOutput) = await RunAsync("audit verify", environment);
        Assert.True(intactCode == 0, intactOutput);
        Assert.Contains("intact", intactOutput);

        await using (var connection = new SqliteConnection($"Data Source={database};Pooling=false"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO AuditEvents (Id, OccurredAt, Action, ActorKind, Succeeded, PreviousHash, Hash) VALUES (7, 0, 'user.forged', 'System', 1, '', 'deadbeef')";
            await command.ExecuteNonQueryAsync();
        }
        var (brokenCode, brokenOutput) = await RunAsync("audit verify", environment);
        Assert.True(brokenCode == 1, brokenOutput);
        Assert.Contains("BROKEN at event 7", brokenOutput);
        Assert.DoesNotContain("Now listening", brokenOutput);
    }
}
