using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace AuthPortal.Infrastructure.Database;

/// <summary>
/// The SQLite-specific settings (DESIGN.md "Data"): WAL journal, synchronous=NORMAL, a busy timeout,
/// and write transactions that begin immediately and take turns (<see cref="SqliteWriteGate"/>).
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

    private readonly SqliteWriteGate _writeGate = new();

    /// <summary>What every context on this database gets: the pragmas, and write transactions taking turns in process.</summary>
    public IEnumerable<IInterceptor> Interceptors => [_pragmas, _writeGate.Transactions, _writeGate.Statements, _writeGate.Connections];

    private readonly PragmaInterceptor _pragmas = new();

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
        // temp_store=MEMORY: SQLite's scratch tables (RETURNING rows, statement journals, sorts) stay in memory. On
        // the default (a file) every UPDATE or INSERT ... RETURNING created, wrote and unlinked a file in /var/tmp:
        // about a tenth of the CPU of a refresh grant went to those system calls (bench #2).
        // wal_autocheckpoint=10000 pages (about 40 MB of WAL): the checkpoint runs inside the commit that crosses the mark,
        // holding the write lock. At the default 1,000 pages it ran several times a second under refresh grants and copied
        // the same hot pages (the tails of the token and audit tables and their indexes) again each time; ten times apart,
        // each copy covers ten times the commits (bench #2: 1.2 times the grants). journal_size_limit trims a WAL that a
        // long reader let grow past that back down after the next checkpoint.
        private static readonly string ConnectionPragmas =
            $"PRAGMA synchronous=NORMAL; PRAGMA busy_timeout={BusyTimeoutMilliseconds}; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; " +
            "PRAGMA wal_autocheckpoint=10000; PRAGMA journal_size_limit=67108864;";

        // The journal mode is stored in the file, and switching it is a write: a read-only connection (EF opens one to ask
        // whether the database exists) leaves it to the first writable one, or a restored copy would fail to start.
        private static readonly string Pragmas = "PRAGMA journal_mode=WAL; " + ConnectionPragmas;

        // The pragmas belong to the physical connection, which the pool keeps open across logical opens: they are set once
        // per handle, not on every request's open.
        private readonly ConditionalWeakTable<object, object> _prepared = new();

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
        {
            if (IsNew(connection))
            {
                using var command = connection.CreateCommand();
                command.CommandText = PragmasFor(connection);
                command.ExecuteNonQuery();
            }
        }

        public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            if (IsNew(connection))
            {
                await using var command = connection.CreateCommand();
                command.CommandText = PragmasFor(connection);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        private static string PragmasFor(DbConnection connection) =>
            new SqliteConnectionStringBuilder(connection.ConnectionString).Mode == SqliteOpenMode.ReadOnly ? ConnectionPragmas : Pragmas;

        private bool IsNew(DbConnection connection) =>
            connection is not SqliteConnection { Handle: { } handle } || _prepared.TryAdd(handle, handle);
    }
}
