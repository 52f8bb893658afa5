using AuthPortal.Infrastructure.Database;
namespace AuthPortal.Tests.Infrastructure.Database;

public sealed class DatabaseTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    [Fact]
    public async Task NeitherProviderHasModelChangesWithoutAMigration()
    {
        // Comparing the model with a provider's snapshot needs no server: the other provider's context is made offline.
        var running = await factory.WithDbAsync(db => Task.FromResult((Pending: db.Database.HasPendingModelChanges(), Migrations: db.Database.GetMigrations().ToList())));
        // With the app's services: Identity shapes its tables from the app's IdentityOptions (schema version: passkeys).
        using AppDbContext other = TestDatabase.IsPostgres
            ? new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseSqlite("Data Source=:memory:").UseApplicationServiceProvider(factory.Services).Options)
            : new PostgresAppDbContext(new DbContextOptionsBuilder<PostgresAppDbContext>().UseNpgsql("Host=127.0.0.1").UseApplicationServiceProvider(factory.Services).Options);
        var (sqlitePending, postgresPending) = TestDatabase.IsPostgres
            ? (other.Database.HasPendingModelChanges(), running.Pending)
            : (running.Pending, other.Database.HasPendingModelChanges());

        Assert.False(sqlitePending,
            "The EF model changed: run 'dotnet ef migrations add <Name> --project AuthPortal --output-dir Migrations/Sqlite --namespace AuthPortal.Migrations.Sqlite'.");
        Assert.False(postgresPending,
            "The EF model changed: run 'dotnet ef migrations add <Name> --project AuthPortal --context PostgresAppDbContext --output-dir Migrations/Postgres --namespace AuthPortal.Migrations.Postgres'.");
        Assert.NotEmpty(running.Migrations);
        Assert.NotEmpty(other.Database.GetMigrations());
        Assert.Empty(running.Migrations.Intersect(other.Database.GetMigrations()));
    }

    [Fact]
    public async Task TheRunningProviderIsTheOneThisPassChose()
    {
        var provider = await factory.WithDbAsync(db => Task.FromResult(db.Database.ProviderName));
        Assert.Equal(TestDatabase.IsPostgres ? "Npgsql.EntityFrameworkCore.PostgreSQL" : "Microsoft.EntityFrameworkCore.Sqlite", provider);
    }

    [SqliteFact]
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

    [SqliteFact]
    public async Task AWriteTransactionLeftWithoutCommitOrRollbackDoesNotHoldUpTheNextWriter()
    {
        // Write transactions take turns in process (SqliteWriteGate); one disposed without an end must hand its turn on.
        await factory.WithDbAsync(async db =>
        {
            await using var abandoned = await db.Database.BeginTransactionAsync();
            await db.Database.ExecuteSqlRawAsync("UPDATE AspNetUsers SET ConcurrencyStamp = ConcurrencyStamp WHERE 0");
            return 0;
        });

        // Waiting for a turn that never comes would take the busy timeout (5 s), so the bound here fails fast.
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var committed = await factory.WithDbAsync(async db =>
        {
            await using var next = await db.Database.BeginTransactionAsync(bound.Token);
            await next.CommitAsync(bound.Token);
            return true;
        });
        Assert.True(committed);
    }

    [SqliteFact]
    public async Task AWriteOutsideATransactionWaitsItsTurnInsteadOfSleepingInSqlitesBusyHandler()
    {
        var user = await factory.CreateUserAsync($"lone-writer-{Guid.NewGuid():N}@example.com");
        var contexts = factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await using var holder = await contexts.CreateDbContextAsync();
        await using var other = await contexts.CreateDbContextAsync();
        await using var turn = await holder.Database.BeginTransactionAsync(); // BEGIN IMMEDIATE: the write lock and the turn

        var waiting = other.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(set => set.SetProperty(u => u.DisplayName, "Lone writer"));

        // In line for its turn. Without one it would be in SQLite's busy handler on this very thread, which gives up
        // only when the lock frees (never: this thread holds it) or its timeout passes, and the call would come back
        // already failed with "database is locked".
        Assert.False(waiting.IsCompleted);
        await turn.CommitAsync();
        Assert.Equal(1, await waiting);
    }

    [Theory]
    [InlineData("UPDATE \"AspNetUsers\" SET x = 1", true)]
    [InlineData("  insert into t values (1)", true)]
    [InlineData("-- FromTag\nDELETE FROM t", true)]
    [InlineData("SELECT 1", false)]
    [InlineData("-- UPDATE in a comment only\nSELECT 1", false)]
    [InlineData("PRAGMA wal_checkpoint", false)]
    public void WritesAreToldFromReadsByTheirFirstStatement(string sql, bool writes) =>
        Assert.Equal(writes, SqliteWriteGate.IsWrite(sql));

    [Fact]
    public async Task ManyConcurrentWriteTransactionsAllCommit()
    {
        var user = await factory.CreateUserAsync($"writers-{Guid.NewGuid():N}@example.com");
        var writers = Enumerable.Range(0, 60).Select(i => factory.WithDbAsync(async db =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            var changed = await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(set => set.SetProperty(u => u.DisplayName, $"Writer {i}"));
            await transaction.CommitAsync();
            return changed;
        }));

        Assert.All(await Task.WhenAll(writers), changed => Assert.Equal(1, changed));
        var last = await factory.WithDbAsync(db => db.Users.Where(u => u.Id == user.Id).Select(u => u.DisplayName).SingleAsync());
        Assert.StartsWith("Writer ", last);
        Reliability.ReliabilityReport.Record("Concurrency", $"60 write transactions at once on one row ({TestDatabase.Name})", "60 transactions",
            "all commit; no database is locked", "all 60 committed");
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
