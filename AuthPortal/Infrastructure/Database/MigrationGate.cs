using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AuthPortal.Infrastructure.Database;

/// <summary>
/// Applies pending migrations so that instances starting together on one PostgreSQL database apply each migration once.
/// EF Core's own migration lock on PostgreSQL is held per migration's transaction: with two or more pending migrations,
/// an instance that read the pending list before the lock was free applies migrations the other already applied, and
/// fails on the history row. Here the whole run is one critical section: a session-level advisory lock on a connection
/// of its own, taken before EF reads what is pending and released after the last migration. SQLite (one instance)
/// needs none.
/// </summary>
public static class MigrationGate
{
    public static async Task MigrateAsync(DbContext db, CancellationToken cancellationToken = default)
    {
        if (!db.Database.IsPostgres())
        {
            // The usual start finds the database migrated. Asking the history table is enough then: MigrateAsync would also
            // build the migrations' model snapshot and compare it with the model (a development check, covered by a test),
            // which cost every start about 0.15 s and 8 MB that stayed resident (bench #8, #10).
            if ((await db.Database.GetPendingMigrationsAsync(cancellationToken)).Any())
            {
                await db.Database.MigrateAsync(cancellationToken);
            }
            return;
        }
        await MigratePostgresAsync(db, cancellationToken);
    }

    // Its own method, so a SQLite process never loads Npgsql.
    private static async Task MigratePostgresAsync(DbContext db, CancellationToken cancellationToken)
    {
        await using var gate = new NpgsqlConnection(db.Database.GetConnectionString());
        await gate.OpenAsync(cancellationToken);
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({WriteLock.Migrations})", gate))
        {
            await take.ExecuteNonQueryAsync(cancellationToken);
        }
        try
        {
            await db.Database.MigrateAsync(cancellationToken);
        }
        finally
        {
            // Closing the connection would release it as well; saying so keeps the pool's connection clean.
            await using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({WriteLock.Migrations})", gate);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }
}
