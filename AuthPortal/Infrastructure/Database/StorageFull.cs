using Microsoft.Data.Sqlite;
using Npgsql;

namespace AuthPortal.Infrastructure.Database;

/// <summary>
/// The database's disk is full: SQLite's SQLITE_FULL, PostgreSQL's disk_full (53100), or the file system's "no space".
/// Writes then answer 503 (the portal is fine, its storage is not), reads and existing sessions keep working, and writes
/// resume by themselves when space returns.
/// </summary>
public static class StorageFull
{
    public const string Title = "Storage full";

    public const string Detail = "The portal cannot save changes right now because its storage is full. Nothing was changed. " +
        "Reading and signing in with an existing session still work; try again later.";

    /// <summary>How long a client is asked to wait before it tries a write again.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromMinutes(1);

    private const int SqliteFull = 13;
    private const string PostgresDiskFull = "53100";
    private const int NoSpaceLeftOnDevice = 28;

    public static bool Is(Exception? exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case SqliteException sqlite when (sqlite.SqliteErrorCode & 0xff) == SqliteFull:
                case PostgresException postgres when postgres.SqlState == PostgresDiskFull:
                case IOException io when (io.HResult & 0xffff) == NoSpaceLeftOnDevice:
                    return true;
            }
        }
        return false;
    }
}
