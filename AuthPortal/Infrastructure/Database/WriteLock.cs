using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace AuthPortal.Infrastructure.Database;

/// <summary>
/// Serializes one kind of write across every connection and instance, for the rest of the caller's transaction. On
/// SQLite a write transaction already holds the database's single write lock (transactions begin immediately), so
/// nothing more is needed; on PostgreSQL a transaction-scoped advisory lock does the same for the named resource.
/// </summary>
public static class WriteLock
{
    /// <summary>The audit chain: one writer reads the last link and appends at a time.</summary>
    public const long AuditAppends = 0x4150_0001;

    /// <summary>Signing-key rotation: one instance decides whether a new key is due and makes it.</summary>
    public const long KeyRotation = 0x4150_0002;

    /// <summary>Start-up seeding and the first administrator: instances starting together on an empty database take turns.</summary>
    public const long FirstRun = 0x4150_0003;

    /// <summary>Applying migrations: held for the whole run, on a connection of its own (<see cref="MigrationGate"/>).</summary>
    public const long Migrations = 0x4150_0004;

    /// <summary>
    /// Whether other connections can still write while this lock is held (PostgreSQL's advisory locks name one
    /// resource); on SQLite the lock is the database's only write lock, so work on another connection would wait on it.
    /// </summary>
    public static bool LetsOtherConnectionsWrite(DatabaseFacade database) => database.IsPostgres();

    public static async Task AcquireAsync(DatabaseFacade database, long resource, CancellationToken cancellationToken)
    {
        if (database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("A write lock is held for a transaction: begin one first.");
        }
        if (database.IsPostgres())
        {
            await database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({resource})", cancellationToken);
        }
    }
}
