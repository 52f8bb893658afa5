using AuthPortal.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using System.Runtime.CompilerServices;
using AuthPortal.Infrastructure.Database;

namespace AuthPortal.Features.Roles;

/// <summary>What changed: any role's definition (everyone may be affected), and whose role assignments.</summary>
public sealed record PermissionChange(bool RolesChanged, IReadOnlyCollection<string> UserIds)
{
    public bool Affects(string userId) => RolesChanged || UserIds.Contains(userId);
}

/// <summary>
/// In-process notice that permissions changed. <see cref="Changing"/> drops the caches (the role graph, users' roles);
/// then <see cref="Changed"/> lets live circuits re-check what their user may see, so navigation and pages follow at once.
/// </summary>
public sealed class PermissionChanges(ClusterNotices notices) : IClusterNoticeHandler
{
    /// <summary>The notice other instances get: "*" when role definitions changed, then the ids whose assignments did.</summary>
    public const string Topic = "permissions.changed";
    private const string AnyRole = "*";

    public event Action<PermissionChange>? Changing;

    public event Action<PermissionChange>? Changed;

    /// <summary>Tells this instance at once and the others through <see cref="ClusterNotices"/> (after the commit).</summary>
    public void Publish(PermissionChange change)
    {
        PublishHere(change);
        notices.Send(Topic, change.RolesChanged ? [AnyRole, .. change.UserIds] : change.UserIds);
    }

    string IClusterNoticeHandler.Topic => Topic;

    void IClusterNoticeHandler.OnNotice(IReadOnlyList<string> values) =>
        PublishHere(new PermissionChange(values.Contains(AnyRole), values.Where(v => v != AnyRole).ToList()));

    private void PublishHere(PermissionChange change)
    {
        Changing?.Invoke(change);
        Changed?.Invoke(change);
    }
}

/// <summary>
/// Publishes a <see cref="PermissionChange"/> for every save that touches roles, role permissions, inclusions or role
/// assignments, whichever code made it (Identity's managers included), once it is committed.
/// </summary>
public sealed class PermissionChangeTracking(PermissionChanges changes) : SaveChangesInterceptor, IDbTransactionInterceptor
{
    private readonly ConditionalWeakTable<DbContext, PermissionChange> _saving = new();
    private readonly ConditionalWeakTable<DbContext, PermissionChange> _awaitingCommit = new();

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Collect(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        Collect(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Saved(eventData.Context);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Saved(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Forget(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionCommitted(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData) => Committed(eventData.Context);

    public Task TransactionCommittedAsync(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Committed(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData)
    {
        if (eventData.Context is { } db)
        {
            _awaitingCommit.Remove(db);
        }
    }

    public Task TransactionRolledBackAsync(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        TransactionRolledBack(transaction, eventData);
        return Task.CompletedTask;
    }

    private void Collect(DbContext? db)
    {
        if (db is null)
        {
            return;
        }
        var rolesChanged = false;
        var userIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in db.ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified or EntityState.Deleted))
            {
                continue;
            }
            switch (entry.Entity)
            {
                case AppRole or IdentityRoleClaim<string> or RoleInclusion:
                    rolesChanged = true;
                    break;
                case IdentityUserRole<string> userRole:
                    userIds.Add(userRole.UserId);
                    break;
                case AppUser user when entry.State == EntityState.Deleted:
                    userIds.Add(user.Id);
                    break;
            }
        }
        if (rolesChanged || userIds.Count > 0)
        {
            _saving.AddOrUpdate(db, new PermissionChange(rolesChanged, userIds));
        }
    }

    private void Saved(DbContext? db)
    {
        if (db is null || !_saving.TryGetValue(db, out var change))
        {
            return;
        }
        _saving.Remove(db);
        if (db.Database.CurrentTransaction is null)
        {
            changes.Publish(change); // already committed
            return;
        }
        // Announced on commit only: a cache refilled before then would read (and keep) the rows as they were.
        _awaitingCommit.AddOrUpdate(db, _awaitingCommit.TryGetValue(db, out var earlier)
            ? new PermissionChange(earlier.RolesChanged || change.RolesChanged, earlier.UserIds.Union(change.UserIds).ToList())
            : change);
    }

    private void Committed(DbContext? db)
    {
        if (db is not null && _awaitingCommit.TryGetValue(db, out var change))
        {
            _awaitingCommit.Remove(db);
            changes.Publish(change);
        }
    }

    private void Forget(DbContext? db)
    {
        if (db is not null)
        {
            _saving.Remove(db);
        }
    }
}
