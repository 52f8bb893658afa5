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
    }

    public IDbTransactionInterceptor Transactions { get; }

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
