using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace AuthPortal.Infrastructure.Database;

/// <summary>
/// The SQLite-specific settings (DESIGN.md "Data"): WAL journal, synchronous=NORMAL, a busy timeout,
/// and write transactions that begin immediately.
/// </summary>
/// <remarks>
/// Microsoft.Data.Sqlite starts every transaction it opens (including the ones EF Core's SaveChanges opens)
/// with <c>BEGIN IMMEDIATE</c> unless asked for a deferred one, so a transaction takes the write lock up front
/// instead of failing with SQLITE_BUSY when it upgrades from read to write. Code that reads then writes
/// must therefore do both inside one transaction.
/// </remarks>
internal sealed class SqliteTuning(string connectionString)
{
    public const int BusyTimeoutMilliseconds = 5000;

    public string ConnectionString { get; } = connectionString;

    public DbConnectionInterceptor Interceptor { get; } = new PragmaInterceptor();

    /// <summary>Resolves a relative data source against the content root and creates its directory.</summary>
    public static string PrepareConnectionString(string connectionString, string contentRoot)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (builder.DataSource is { Length: > 0 } dataSource
            && dataSource != ":memory:"
            && builder.Mode != SqliteOpenMode.Memory
            && !Path.IsPathRooted(dataSource))
        {
            builder.DataSource = Path.GetFullPath(Path.Combine(contentRoot, dataSource));
        }
        if (builder.Mode != SqliteOpenMode.Memory && Path.GetDirectoryName(builder.DataSource) is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
        }
        // Microsoft.Data.Sqlite retries SQLITE_BUSY for up to this many seconds (its own busy handling).
        builder.DefaultTimeout = Math.Max(builder.DefaultTimeout, BusyTimeoutMilliseconds / 1000);
        builder.Pooling = true;
        return builder.ToString();
    }

    private sealed class PragmaInterceptor : DbConnectionInterceptor
    {
        private static readonly string Pragmas =
            $"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout={BusyTimeoutMilliseconds}; PRAGMA foreign_keys=ON;";

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
        {
            using var command = connection.CreateCommand();
            command.CommandText = Pragmas;
            command.ExecuteNonQuery();
        }

        public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = Pragmas;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
