namespace AuthPortal.Tests.Infrastructure.Database;

public sealed class DatabaseTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    [Fact]
    public async Task TheModelHasNoChangesWithoutAMigration()
    {
        var pending = await factory.WithDbAsync(db => Task.FromResult(db.Database.HasPendingModelChanges()));
        Assert.False(pending, "The EF model changed: run 'dotnet ef migrations add <Name> --project AuthPortal --output-dir Migrations'.");
    }

    [Fact]
    public async Task SqliteRunsInWalModeWithABusyTimeout()
    {
        var (journal, timeout) = await factory.WithDbAsync(async db =>
        {
            // Opened the way EF Core opens every connection the app uses, so its connection interceptor runs.
            await db.Database.OpenConnectionAsync();
            var connection = db.Database.GetDbConnection();
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode;";
            var journalMode = (string)(await command.ExecuteScalarAsync())!;
            command.CommandText = "PRAGMA busy_timeout;";
            var busy = Convert.ToInt32(await command.ExecuteScalarAsync());
            return (journalMode, busy);
        });
        Assert.Equal("wal", journal);
        Assert.True(timeout >= 1000);
    }
}

public sealed class DataProtectionKeyTests
{
    [Fact]
    public async Task CookiesSurviveARestartBecauseKeysLiveInTheDatabase()
    {
        var directory = TestPaths.NewTempDirectory("restart");
        string cookie;
        using (var first = new PortalFactory(directory))
        {
            await first.CreateUserAsync("durable@example.com");
            var signIn = await first.CreatePortalClient().SignInAsync("durable@example.com");
            Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
            cookie = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("AuthPortal=", StringComparison.Ordinal)).Split(';')[0];
            Assert.True(await first.WithDbAsync(db => db.DataProtectionKeys.AnyAsync()));
        }

        using var second = new PortalFactory(directory);
        var fresh = second.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        fresh.DefaultRequestHeaders.Add("Cookie", cookie);
        var home = await fresh.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Contains("durable@example.com", await home.TextAsync());
    }
}
