using AuthPortal.Features.Audit;
using AuthPortal.Infrastructure.Database;
using AuthPortal.Infrastructure.Security;
using AuthPortal.Tests.Reliability;

namespace AuthPortal.Tests.Infrastructure.Database;

/// <summary><c>dotnet AuthPortal.dll backup &lt;file&gt;</c> against a portal that is running and being written to.</summary>
public sealed class BackupTests
{
    [SqliteFact]
    public async Task ABackupTakenUnderWriteLoadIsSoundAndThePortalStartsOnItWithEverythingIssuedBefore()
    {
        using var portal = new PortalFactory(null);
        await portal.CreateUserAsync("backed-up@example.com");
        var client = portal.CreatePortalClient();
        var tokens = await client.GetTokensAsync("backed-up@example.com");

        // Four people edit their profiles (a row and an audit event each) for as long as the backup runs.
        var writerTokens = new List<ApiClient.Tokens>();
        for (var w = 0; w < 4; w++)
        {
            await portal.CreateUserAsync($"writer-{w}@example.com");
            writerTokens.Add(await client.GetTokensAsync($"writer-{w}@example.com"));
        }
        using var stop = new CancellationTokenSource();
        var accepted = 0;
        var writers = writerTokens.Select((writer, w) => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var response = await client.SendWithTokenAsync(HttpMethod.Patch, "/api/me", writer.AccessToken, new { displayName = $"Writer {w}-{i}" });
                Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                Interlocked.Increment(ref accepted);
            }
        })).ToList();

        var copy = Path.Combine(TestPaths.NewTempDirectory("backup"), "copy.db");
        var acceptedBefore = Volatile.Read(ref accepted);
        var (exitCode, output) = await AppCommand.RunAsync($"backup {copy}",
            new Dictionary<string, string> { ["ConnectionStrings__AuthPortal"] = $"Data Source={portal.DatabasePath}" });
        var acceptedDuringBackup = Volatile.Read(ref accepted);
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        Assert.True(exitCode == 0, output);
        Assert.Contains("passed the integrity check", output);
        Assert.True(acceptedDuringBackup > acceptedBefore, "the portal kept answering writes while the backup ran");
        Assert.Equal("ok", await DatabaseBackup.IntegrityCheckAsync(copy));

        // Restore: the copy and the key-ring certificate (keys/ beside the database), in a folder of their own.
        var restoredDirectory = TestPaths.NewTempDirectory("restored");
        File.Copy(copy, Path.Combine(restoredDirectory, "authportal.db"));
        Directory.CreateDirectory(Path.Combine(restoredDirectory, "keys"));
        File.Copy(Path.Combine(portal.Directory_, "keys", KeyRingCertificate.GeneratedFileName), Path.Combine(restoredDirectory, "keys", KeyRingCertificate.GeneratedFileName));
        using var restored = new PortalFactory(restoredDirectory);
        var restoredClient = restored.CreatePortalClient();

        Assert.True((await restored.Services.GetRequiredService<AuditLog>().VerifyAsync()).Intact);
        // An access token and a refresh token issued before the backup work on the restored portal, and so does a sign-in.
        Assert.Equal(HttpStatusCode.OK, (await restoredClient.GetWithTokenAsync("/api/me", tokens.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await restoredClient.RefreshGrantAsync(tokens.RefreshToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await restoredClient.SignInAsync("backed-up@example.com")).StatusCode);
        ReliabilityReport.Record("Backup", "`backup <file>` while 4 people edit their profiles; a portal started on the copy",
            $"1 backup, {acceptedDuringBackup - acceptedBefore} writes acknowledged while it ran",
            "copy passes integrity_check; portal starts on it; tokens issued before work; audit chain verifies",
            "integrity_check ok; started; access token, refresh token and sign-in accepted; chain intact");
        ReliabilityReport.Record("Restart", "restore of a backup of the same moment",
            "1 restore", "an access token and a refresh token issued before keep working",
            "both accepted on the restored portal");
    }

    [SqliteFact]
    public async Task ABackupNeverOverwritesAFile()
    {
        using var portal = new PortalFactory(null);
        await portal.CreateUserAsync("not-overwritten@example.com");
        var existing = Path.Combine(TestPaths.NewTempDirectory("backup"), "existing.db");
        await File.WriteAllTextAsync(existing, "something the operator keeps");

        var (exitCode, output) = await AppCommand.RunAsync($"backup {existing}",
            new Dictionary<string, string> { ["ConnectionStrings__AuthPortal"] = $"Data Source={portal.DatabasePath}" });

        Assert.Equal(1, exitCode);
        Assert.Contains("already exists", output);
        Assert.Equal("something the operator keeps", await File.ReadAllTextAsync(existing));
    }

    [Fact]
    public async Task OnPostgreSqlTheBackupCommandPointsAtPgDump()
    {
        using var portal = new PortalFactory(null);
        await using var db = await portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var file = Path.Combine(TestPaths.NewTempDirectory("backup"), "copy.db");

        var result = await DatabaseBackup.WriteAsync(db, file);

        Assert.Equal(!TestDatabase.IsPostgres, result.Succeeded);
        if (TestDatabase.IsPostgres)
        {
            Assert.Contains("pg_dump", result.Message);
            Assert.False(File.Exists(file));
        }
        else
        {
            Assert.Equal("ok", await DatabaseBackup.IntegrityCheckAsync(file));
        }
    }
}
