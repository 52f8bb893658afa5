using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using AuthPortal.Data;
using AuthPortal.Infrastructure.Database;
using AuthPortal.Infrastructure.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;

namespace AuthPortal.Features.Audit;

/// <summary>
/// Links new audit events into the hash chain as they are saved, whoever saves them. Each event stores the
/// hash of the one before it, so changing or removing a row breaks every hash after it.
/// </summary>
/// <remarks>
/// The last hash is read and the new events are numbered inside the write transaction that stores them (the
/// caller's, or one begun here), so concurrent writers, in this process or another, queue on the database and
/// never fork the chain. No in-process lock is involved.
/// </remarks>
public sealed class AuditChain(ILogger<AuditChain> logger, AuditChainKey chainKey, PortalMetrics metrics) : SaveChangesInterceptor
{
    // Transactions this interceptor began for a SaveChanges that had none, to commit when it ends.
    private readonly ConditionalWeakTable<DbContext, IDbContextTransaction> _owned = new();

    // The events each SaveChanges in flight is writing, to log once they are stored.
    private readonly ConditionalWeakTable<DbContext, List<AuditEvent>> _saving = new();

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        if (eventData.Context is not { } db)
        {
            return result;
        }
        // A pooled context may come back with what an interrupted save left here: drop it before anything else.
        await AbandonAsync(db);
        if (Pending(db) is not { Count: > 0 } pending)
        {
            return result;
        }
        try
        {
            // Loaded at start-up; read before any write lock is taken here, as the key store uses its own connection.
            var key = await chainKey.GetAsync(cancellationToken);
            if (db.Database.CurrentTransaction is null)
            {
                _owned.AddOrUpdate(db, await db.Database.BeginTransactionAsync(cancellationToken));
            }
            await WriteLock.AcquireAsync(db.Database, WriteLock.AuditAppends, cancellationToken);
            var last = await db.Set<AuditEvent>().AsNoTracking().OrderByDescending(e => e.Id)
                .Select(e => new { e.Id, e.Hash }).FirstOrDefaultAsync(cancellationToken);
            var (id, previous) = (last?.Id ?? 0, last?.Hash ?? "");
            foreach (var entry in pending)
            {
                // Explicit ids fix the chain's order to the order the events were appended.
                var idProperty = entry.Property(e => e.Id);
                idProperty.CurrentValue = ++id;
                idProperty.IsTemporary = false;
                entry.Entity.PreviousHash = previous;
                entry.Entity.Hash = previous = ComputeHash(entry.Entity, key);
            }
            _saving.AddOrUpdate(db, pending.Select(e => e.Entity).ToList());
        }
        catch
        {
            pending.ForEach(e => e.Entity.Hash = "");
            await AbandonAsync(db);
            throw;
        }
        return result;
    }

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result) =>
        Pending(eventData.Context) is { Count: > 0 }
            ? throw new InvalidOperationException("Audit events are saved with SaveChangesAsync.")
            : result;

    public override async ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is not { } db)
        {
            return result;
        }
        if (_owned.TryGetValue(db, out var transaction))
        {
            _owned.Remove(db);
            await using (transaction)
            {
                // Only the transaction this interceptor began, and only while it is still the context's own.
                if (ReferenceEquals(db.Database.CurrentTransaction, transaction))
                {
                    await transaction.CommitAsync(cancellationToken);
                }
            }
        }
        if (_saving.TryGetValue(db, out var events))
        {
            _saving.Remove(db);
            foreach (var e in events)
            {
                logger.LogInformation("Audit {Action} succeeded={Succeeded} actor={ActorUserId} target={TargetType}/{TargetId}",
                    e.Action, e.Succeeded, e.ActorUserId, e.TargetType, e.TargetId);
                Count(e);
            }
        }
        return result;
    }

    // The metrics follow what committed.
    private void Count(AuditEvent e)
    {
        switch (e.Action)
        {
            case AuditActions.SignInSucceeded: metrics.SignedIn(); break;
            case AuditActions.SignInFailed: metrics.SignInFailed(); break;
            case AuditActions.LockedOut: metrics.LockedOut(); break;
            case AuditActions.TokenIssued: metrics.TokenIssued(GrantOf(e) ?? "unknown"); break;
            case AuditActions.TokenRefreshed: metrics.TokenIssued("refresh_token"); break;
            case AuditActions.TokenReuseDetected: metrics.RefreshReuseDetected(); break;
        }
    }

    // token.issued says which grant issued it (password, client_credentials) in its details.
    private static string? GrantOf(AuditEvent e)
    {
        if (e.Details is null)
        {
            return null;
        }
        using var details = System.Text.Json.JsonDocument.Parse(e.Details);
        return details.RootElement.TryGetProperty("grant", out var grant) ? grant.GetString() : null;
    }

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default) =>
        eventData.Context is { } db ? AbandonAsync(db) : Task.CompletedTask;

    public override Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken cancellationToken = default) =>
        eventData.Context is { } db ? AbandonAsync(db) : Task.CompletedTask;

    public override async ValueTask<InterceptionResult> ThrowingConcurrencyExceptionAsync(ConcurrencyExceptionEventData eventData,
        InterceptionResult result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is { } db)
        {
            await AbandonAsync(db);
        }
        return result;
    }

    /// <summary>
    /// Nothing of this save was written: the transaction begun here is rolled back, and the events lose their links,
    /// so a retry chains them again to whatever is last by then.
    /// </summary>
    private async Task AbandonAsync(DbContext db)
    {
        if (_saving.TryGetValue(db, out var events))
        {
            _saving.Remove(db);
            events.ForEach(e => e.Hash = "");
        }
        if (_owned.TryGetValue(db, out var transaction))
        {
            _owned.Remove(db);
            await transaction.DisposeAsync();
        }
    }

    /// <summary>
    /// HMAC-SHA256, under the chain's key, of the previous hash and every recorded field, as lowercase hex. Without the
    /// key (which is not in the database) nobody can make an edited, inserted or re-linked row verify.
    /// </summary>
    public static string ComputeHash(AuditEvent e, byte[] key)
    {
        var canonical = string.Join('\u001f',
            e.Id, e.PreviousHash, e.OccurredAt.UtcTicks, e.Action, e.ActorUserId, e.ActorKind, e.TargetType, e.TargetId,
            e.OrganizationId, e.IpAddress, e.UserAgent, e.Succeeded, e.Details);
        return Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(canonical)));
    }

    // In the order they were appended (the change tracker keeps additions in order; the sort is stable).
    private static List<Microsoft.EntityFrameworkCore.ChangeTracking.EntityEntry<AuditEvent>> Pending(DbContext? db) =>
        db is null ? [] : db.ChangeTracker.Entries<AuditEvent>()
            .Where(e => e.State == EntityState.Added && e.Entity.Hash.Length == 0)
            .OrderBy(e => e.Entity.OccurredAt).ToList();
}
