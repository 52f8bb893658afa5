using AuthPortal.Infrastructure.Database;

namespace AuthPortal.Tests.Infrastructure.Database;

/// <summary>
/// Instances starting together on an empty PostgreSQL database each migrate it: every migration must be applied once and
/// none of them may fail. (EF Core's own lock is per migration; with two or more pending, one instance used to apply what
/// the other already had, and died on the history row.)
/// </summary>
[Trait("Category", "Postgres")]
public sealed class MigrationGateTests
{
    [Fact]
    public async Task FourInstancesMigratingOneEmptyDatabaseAtOnceApplyEachMigrationOnce()
    {
        var connectionString = PostgresServer.Shared.CreateDatabase();
        PostgresAppDbContext Context() => new(new DbContextOptionsBuilder<PostgresAppDbContext>()
            .UseNpgsql(connectionString, o => o.MigrationsAssembly(typeof(AppDbContext).Assembly.FullName))
            // Built without the app's Identity options, the model differs in what the migrations do not touch; the
            // pending-changes test checks the real model (DatabaseTests).
            .ConfigureWarnings(w => w.Ignore(Microsoft.EntityFrameworkCore.Diagnostics.RelationalEventId.PendingModelChangesWarning)).Options);

        var contexts = Enumerable.Range(0, 4).Select(_ => Context()).ToList();
        await Task.WhenAll(contexts.Select(db => Task.Run(() => MigrationGate.MigrateAsync(db))));

        await using var check = Context();
        var applied = await check.Database.SqlQueryRaw<string>("SELECT \"MigrationId\" AS \"Value\" FROM \"__EFMigrationsHistory\"").ToListAsync();
        Assert.True(check.Database.GetMigrations().Count() >= 2, "the race needs two or more migrations to apply");
        Assert.Equal(check.Database.GetMigrations().Order(), applied.Order());
        Assert.Empty(await check.Database.GetPendingMigrationsAsync());
        foreach (var db in contexts)
        {
            await db.DisposeAsync();
        }
    }
}
