using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace AuthPortal.Infrastructure.Database;

/// <summary>
/// Write transactions on SQLite take turns in process, in arrival order. SQLite lets one transaction write at a time and
/// every transaction here begins with <c>BEGIN IMMEDIATE</c>; without this gate the waiting ones poll through SQLite's busy
/// handler, which sleeps for up to 100 ms between tries, so under contention the file sat idle between writers while
/// requests queued (refresh grants stalled at a few hundred per second). Here the next writer starts the moment the last
/// one ends.
/// <para>
/// A write statement run outside a transaction (EF Core's ExecuteUpdate and ExecuteDelete, a SaveChanges of one
/// statement) is a transaction of its own inside SQLite and takes its turn here too, until it has run or its reader is
/// disposed. Before it did, such statements (a sign-in's lockout slot is taken and given back this way) met the
/// gate's writers at SQLite's lock and slept in the busy handler: about 1,000 sleeps of 1–2 ms in 8 seconds of
/// password sign-ins (bench #1), each holding a pool thread, while the cores sat 5 % idle.
/// </para>
/// </summary>
/// <remarks>
/// The gate is released when the transaction commits, rolls back or fails, and in any case when its connection closes or
/// is disposed (a transaction disposed without commit reports neither). A writer that cannot get the gate within the
/// busy timeout (another context's transaction held in the same flow) goes ahead without it and meets SQLite's own
/// locking, as before. Other processes on the same file (the backup command) are still kept apart by SQLite.
/// </remarks>
internal sealed class SqliteWriteGate
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<Guid, byte> _holders = new();
    private static readonly TimeSpan Patience = TimeSpan.FromMilliseconds(SqliteTuning.BusyTimeoutMilliseconds);

    public SqliteWriteGate()
    {
        Transactions = new TransactionTurns(this);
        Connections = new ConnectionEnds(this);
        Statements = new StatementTurns(this);
    }

    public IDbTransactionInterceptor Transactions { get; }

    public IDbCommandInterceptor Statements { get; }

    public IDbConnectionInterceptor Connections { get; }

    private async ValueTask EnterAsync(Guid connectionId, CancellationToken cancellationToken)
    {
        if (await _gate.WaitAsync(Patience, cancellationToken))
        {
            Hold(connectionId);
        }
    }

    private void Enter(Guid connectionId)
    {
        if (_gate.Wait(Patience))
        {
            Hold(connectionId);
        }
    }

    private void Hold(Guid connectionId)
    {
        if (!_holders.TryAdd(connectionId, 0))
        {
            // This connection already holds the gate (its earlier transaction never reported its end): one turn is enough.
            _gate.Release();
        }
    }

    private void Leave(Guid connectionId)
    {
        if (_holders.TryRemove(connectionId, out _))
        {
            _gate.Release();
        }
    }

    private sealed class TransactionTurns(SqliteWriteGate gate) : DbTransactionInterceptor
    {
        public override InterceptionResult<DbTransaction> TransactionStarting(DbConnection connection, TransactionStartingEventData eventData,
            InterceptionResult<DbTransaction> result)
        {
            gate.Enter(eventData.ConnectionId);
            return result;
        }

        public override async ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(DbConnection connection,
            TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result, CancellationToken cancellationToken = default)
        {
            await gate.EnterAsync(eventData.ConnectionId, cancellationToken);
            return result;
        }

        public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => gate.Leave(eventData.ConnectionId);

        public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            gate.Leave(eventData.ConnectionId);
            return Task.CompletedTask;
        }

        public override void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => gate.Leave(eventData.ConnectionId);

        public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            gate.Leave(eventData.ConnectionId);
            return Task.CompletedTask;
        }

        public override void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) => gate.Leave(eventData.ConnectionId);

        public override Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
        {
            gate.Leave(eventData.ConnectionId);
            return Task.CompletedTask;
        }
    }

    /// <summary>A write statement with no transaction around it: it waits its turn, and gives it back when it has run.</summary>
    private sealed class StatementTurns(SqliteWriteGate gate) : DbCommandInterceptor
    {
        public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
        {
            EnterIfLoneWrite(command, eventData.ConnectionId);
            return result;
        }

        public override async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            await EnterIfLoneWriteAsync(command, eventData.ConnectionId, cancellationToken);
            return result;
        }

        public override int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
        {
            LeaveAfterLoneStatement(command, eventData.ConnectionId);
            return result;
        }

        public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
        {
            LeaveAfterLoneStatement(command, eventData.ConnectionId);
            return ValueTask.FromResult(result);
        }

        // A write read back through a reader (INSERT ... RETURNING) holds SQLite's lock until the reader is done with it.
        public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
        {
            EnterIfLoneWrite(command, eventData.ConnectionId);
            return result;
        }

        public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            await EnterIfLoneWriteAsync(command, eventData.ConnectionId, cancellationToken);
            return result;
        }

        public override InterceptionResult DataReaderDisposing(DbCommand command, DataReaderDisposingEventData eventData, InterceptionResult result)
        {
            LeaveAfterLoneStatement(command, eventData.ConnectionId);
            return result;
        }

        public override void CommandFailed(DbCommand command, CommandErrorEventData eventData) => LeaveAfterLoneStatement(command, eventData.ConnectionId);

        public override Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
        {
            LeaveAfterLoneStatement(command, eventData.ConnectionId);
            return Task.CompletedTask;
        }

        public override void CommandCanceled(DbCommand command, CommandEndEventData eventData) => LeaveAfterLoneStatement(command, eventData.ConnectionId);

        public override Task CommandCanceledAsync(DbCommand command, CommandEndEventData eventData, CancellationToken cancellationToken = default)
        {
            LeaveAfterLoneStatement(command, eventData.ConnectionId);
            return Task.CompletedTask;
        }

        // Inside a transaction the turn belongs to the transaction, which gives it back when it ends.
        private void LeaveAfterLoneStatement(DbCommand command, Guid connectionId)
        {
            if (command.Transaction is null)
            {
                gate.Leave(connectionId);
            }
        }

        private void EnterIfLoneWrite(DbCommand command, Guid connectionId)
        {
            if (IsLoneWrite(command))
            {
                gate.Enter(connectionId);
            }
        }

        private ValueTask EnterIfLoneWriteAsync(DbCommand command, Guid connectionId, CancellationToken cancellationToken) =>
            IsLoneWrite(command) ? gate.EnterAsync(connectionId, cancellationToken) : ValueTask.CompletedTask;

        private static bool IsLoneWrite(DbCommand command) => command.Transaction is null && IsWrite(command.CommandText);
    }

    /// <summary>Whether SQL text starts with a statement that writes (after blank lines and <c>--</c> comments, such as EF Core's tags).</summary>
    internal static bool IsWrite(string sql)
    {
        var text = sql.AsSpan();
        while (true)
        {
            text = text.TrimStart();
            if (!text.StartsWith("--", StringComparison.Ordinal))
            {
                break;
            }
            var lineEnd = text.IndexOf('\n');
            if (lineEnd < 0)
            {
                return false;
            }
            text = text[(lineEnd + 1)..];
        }
        return text.StartsWith("INSERT", StringComparison.OrdinalIgnoreCase) || text.StartsWith("UPDATE", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("DELETE", StringComparison.OrdinalIgnoreCase) || text.StartsWith("REPLACE", StringComparison.OrdinalIgnoreCase);
    }

    private sealed class ConnectionEnds(SqliteWriteGate gate) : DbConnectionInterceptor
    {
        public override void ConnectionClosed(DbConnection connection, ConnectionEndEventData eventData) => gate.Leave(eventData.ConnectionId);

        public override Task ConnectionClosedAsync(DbConnection connection, ConnectionEndEventData eventData)
        {
            gate.Leave(eventData.ConnectionId);
            return Task.CompletedTask;
        }

        public override void ConnectionDisposed(DbConnection connection, ConnectionEndEventData eventData) => gate.Leave(eventData.ConnectionId);

        public override Task ConnectionDisposedAsync(DbConnection connection, ConnectionEndEventData eventData)
        {
            gate.Leave(eventData.ConnectionId);
            return Task.CompletedTask;
        }
    }
}
