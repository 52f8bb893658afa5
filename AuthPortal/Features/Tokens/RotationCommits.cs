using System.Collections.Concurrent;
using AuthPortal.Data;
using Microsoft.EntityFrameworkCore;

namespace AuthPortal.Features.Tokens;

/// <summary>One refresh-token rotation, ready to write: the token to consume, its replacement and the audit event.</summary>
public sealed record Rotation(string TokenId, string SessionId, DateTimeOffset At, bool TouchSession, RefreshToken Replacement, AuditEvent Event)
{
    internal TaskCompletionSource<bool> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// Writes refresh-token rotations that arrive together in one transaction (group commit). Each rotation is still checked
/// on its own inside it (the consuming update only succeeds for an unspent token of an unrevoked session), but the
/// batch shares one begin, one audit-chain read, one insert round and one commit. Rotations are serialised by the
/// database anyway (one writer on SQLite, the audit chain's lock on PostgreSQL); one at a time, the commit, the chain read
/// and the hold of the write lock were paid per grant, and the lock holder shared two cores with the requests queued
/// behind it (bench #2: half the cores idle at 1,400 grants a second).
/// </summary>
/// <remarks>
/// No thread waits to fill a batch: the first rotation to find nobody writing starts a writer, which takes whatever has
/// queued meanwhile, so a lone rotation is written at once. A batch that fails is retried one rotation at a time, so
/// one bad rotation fails alone.
/// <para>
/// The writer keeps one context and its connection open for the life of the process instead of taking a pooled one per
/// batch. SQLite in WAL mode drops a connection's whole page cache when another connection has committed since it last
/// read, and with a pooled connection per batch that was every batch: each re-read the index pages it was about to
/// change (from the WAL or through a system call each). On its own connection the writer's cache stays valid between
/// its own commits. Bench #2: 1,449 → 1,777 grants a second per core at 64 clients, 1,064 → 1,266 at 8. A batch that
/// fails drops the context and its connection (it may be broken: a PostgreSQL restart), and the next one opens fresh.
/// </para>
/// </remarks>
public sealed class RotationCommits(IDbContextFactory<AppDbContext> dbFactory, ILogger<RotationCommits> logger) : IAsyncDisposable
{
    /// <summary>At most this many rotations share a transaction (keeps a batch's lock hold short).</summary>
    public const int MaxBatch = 64;

    private readonly ConcurrentQueue<Rotation> _queued = new();
    private int _writing;
    private bool _disposed;

    // Only the writer (one at a time, under _writing) touches it.
    private AppDbContext? _writer;

    /// <summary>True when the rotation committed; false when the token was already spent or its session revoked.</summary>
    public Task<bool> CommitAsync(Rotation rotation)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
        _queued.Enqueue(rotation);
        StartWriterIfIdle();
        return rotation.Outcome.Task;
    }

    private void StartWriterIfIdle()
    {
        if (Interlocked.CompareExchange(ref _writing, 1, 0) == 0)
        {
            _ = Task.Run(WriteQueuedAsync);
        }
    }

    private async Task WriteQueuedAsync()
    {
        var batch = new List<Rotation>(MaxBatch);
        while (true)
        {
            while (batch.Count < MaxBatch && _queued.TryDequeue(out var rotation))
            {
                batch.Add(rotation);
            }
            if (batch.Count == 0)
            {
                Volatile.Write(ref _writing, 0);
                // A rotation queued between the last look and the release above would wait for the next one: look again.
                if (!_queued.IsEmpty)
                {
                    StartWriterIfIdle();
                }
                return;
            }
            await WriteAsync(batch);
            batch.Clear();
        }
    }

    /// <summary>Writes <paramref name="batch"/> and settles each rotation's outcome (never throws).</summary>
    /// <remarks>Called by the writer holding its turn; tests call it directly while nothing else writes rotations.</remarks>
    internal async Task WriteAsync(IReadOnlyList<Rotation> batch)
    {
        try
        {
            var committed = await WriteOnOwnConnectionAsync(batch);
            foreach (var rotation in batch)
            {
                rotation.Outcome.TrySetResult(committed.Contains(rotation));
            }
        }
        catch (Exception ex) when (batch.Count > 1)
        {
            logger.LogWarning(ex, "A batch of {Count} refresh-token rotations failed; writing them one at a time", batch.Count);
            foreach (var rotation in batch)
            {
                await WriteAsync([rotation]);
            }
        }
        catch (Exception ex)
        {
            batch[0].Outcome.TrySetException(ex);
        }
    }

    private async Task<HashSet<Rotation>> WriteOnOwnConnectionAsync(IReadOnlyList<Rotation> batch)
    {
        if (_writer is null)
        {
            var opened = await dbFactory.CreateDbContextAsync();
            try
            {
                await opened.Database.OpenConnectionAsync();
            }
            catch
            {
                await opened.DisposeAsync();
                throw;
            }
            _writer = opened;
        }
        var db = _writer;
        try
        {
            var committed = await WriteTogetherAsync(db, batch);
            db.ChangeTracker.Clear();
            return committed;
        }
        catch
        {
            // Whatever failed (a constraint, a broken connection), the next batch starts on a fresh context and connection.
            _writer = null;
            await db.DisposeAsync();
            throw;
        }
    }

    private static async Task<HashSet<Rotation>> WriteTogetherAsync(AppDbContext db, IReadOnlyList<Rotation> batch)
    {
        await using var transaction = await db.Database.BeginTransactionAsync();
        var committed = await ConsumeAsync(db, batch);
        foreach (var rotation in committed)
        {
            // Only the consumer links the old token to its replacement; the row is known to exist and was just consumed.
            var consumed = db.RefreshTokens.Attach(new RefreshToken { Id = rotation.TokenId });
            consumed.Property(t => t.ReplacedById).CurrentValue = rotation.Replacement.Id;
            consumed.Property(t => t.ReplacedById).IsModified = true;
            db.RefreshTokens.Add(rotation.Replacement);
            db.AuditEvents.Add(rotation.Event);
        }
        var touched = committed.Where(r => r.TouchSession).Select(r => r.SessionId).Distinct().ToList();
        if (touched.Count > 0)
        {
            // A refresh is a use of the session: it moves "last seen" as a request does, in the same transaction.
            var at = committed.Max(r => r.At);
            await db.UserSessions.Where(s => touched.Contains(s.Id)).ExecuteUpdateAsync(set => set.SetProperty(s => s.LastSeenAt, at));
        }
        await db.SaveChangesAsync();
        await transaction.CommitAsync();
        return committed;
    }

    /// <summary>Waits (up to 10 s) for a batch being written to finish, then closes the writer's connection.</summary>
    public async ValueTask DisposeAsync()
    {
        Volatile.Write(ref _disposed, true);
        // Taking the writer's turn and never giving it back: no writer starts after this.
        var deadline = Environment.TickCount64 + 10_000;
        while (Interlocked.CompareExchange(ref _writing, 1, 0) != 0 && Environment.TickCount64 < deadline)
        {
            await Task.Delay(10);
        }
        if (_writer is { } db)
        {
            _writer = null;
            await db.DisposeAsync();
        }
    }

    /// <summary>
    /// Consumes the batch's tokens that are unspent and whose session is unrevoked at this moment, so a revocation or a
    /// racing rotation that landed after the grant's read still wins; the same token twice in a batch (two racing
    /// requests) is consumed by the first. One read and one update for the whole batch.
    /// </summary>
    private static async Task<HashSet<Rotation>> ConsumeAsync(AppDbContext db, IReadOnlyList<Rotation> batch)
    {
        var ids = batch.Select(r => r.TokenId).Distinct().ToList();
        var usable = (await db.RefreshTokens.Where(t => ids.Contains(t.Id) && t.ConsumedAt == null && t.Session!.RevokedAt == null)
            .Select(t => t.Id).ToListAsync()).ToHashSet(StringComparer.Ordinal);
        var winners = new HashSet<Rotation>(ReferenceEqualityComparer.Instance);
        foreach (var rotation in batch)
        {
            if (usable.Remove(rotation.TokenId))
            {
                winners.Add(rotation);
            }
        }
        if (winners.Count == 0)
        {
            return winners;
        }
        var at = winners.Max(r => r.At);
        var consumedIds = winners.Select(r => r.TokenId).ToList();
        var consumed = await db.RefreshTokens.Where(t => consumedIds.Contains(t.Id) && t.ConsumedAt == null)
            .ExecuteUpdateAsync(set => set.SetProperty(t => t.ConsumedAt, at));
        if (consumed == 0 && winners.Count == 1)
        {
            // Another instance (PostgreSQL reads committed data) consumed it between the read and the update: it lost.
            winners.Clear();
            return winners;
        }
        if (consumed != winners.Count)
        {
            // Another instance (PostgreSQL reads committed data) consumed one between the read and the update: this
            // batch is retried one rotation at a time, where the read finds it spent.
            throw new DbUpdateConcurrencyException($"{winners.Count - consumed} of {winners.Count} refresh tokens were consumed by another writer.");
        }
        return winners;
    }
}
