using AuthPortal.Data;
using AuthPortal.Infrastructure.Options;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace AuthPortal.Features.Roles;

/// <summary>
/// A user's current system permissions: their role ids (cached per user) against the resolved <see cref="RoleGraph"/>.
/// Permissions are not trusted from the cookie or token, so a role change applies without reissuing either: at once on
/// this instance (the caches are dropped when the change is saved) and within Sessions:RevalidationSeconds on others.
/// </summary>
public sealed class UserPermissions
{
    private readonly IDbContextFactory<AppDbContext> _dbFactory;
    private readonly IMemoryCache _cache;
    private readonly RoleGraph _graph;
    private readonly TimeSpan _cacheFor;

    // Bumped by each Forget: a read that began before a change does not cache what it read after it. Striped by user id
    // rather than one counter per user, so the guard holds a fixed amount of memory however many people ever sign in
    // (two users sharing a stripe only means a read that overlaps the other's change is not cached).
    private readonly long[] _generations = new long[GenerationStripes];
    internal const int GenerationStripes = 256;

    public UserPermissions(IDbContextFactory<AppDbContext> dbFactory, IMemoryCache cache, RoleGraph graph, IOptions<SessionPolicyOptions> sessions, PermissionChanges changes)
    {
        _dbFactory = dbFactory;
        _cache = cache;
        _graph = graph;
        _cacheFor = TimeSpan.FromSeconds(sessions.Value.RevalidationSeconds);
        changes.Changing += change =>
        {
            foreach (var userId in change.UserIds)
            {
                Forget(userId);
            }
        };
    }

    public async Task<IReadOnlySet<string>> GetAsync(string userId, CancellationToken cancellationToken = default) =>
        (await _graph.GetAsync(cancellationToken)).EffectiveOf(await RoleIdsAsync(userId, cancellationToken));

    /// <summary>
    /// What <paramref name="userId"/> may use, and so hand out, when acting through a token or key whose scope claim is
    /// <paramref name="scopeClaim"/>: the part of what they hold that the scope names (everything for a cookie, null).
    /// Every "nobody gives more than they hold" check reads this, so a narrowed credential never widens itself.
    /// </summary>
    public async Task<IReadOnlySet<string>> GetWithinScopeAsync(string userId, string? scopeClaim, CancellationToken cancellationToken = default) =>
        Permissions.WithinScope(scopeClaim, await GetAsync(userId, cancellationToken));

    /// <summary>
    /// Why <paramref name="actorUserId"/> may not change <paramref name="userId"/>'s account, or null when they may. An account
    /// holding a permission the actor lacks (within the scope of the token they act through) is out of reach: users.write
    /// alone cannot lock, disable, delete, sign out or strip two-factor from the administrators above it, the way nobody
    /// gives a role granting more than they hold. Everyone reaches their own account.
    /// </summary>
    public async Task<string?> OutOfReachAsync(string actorUserId, string userId, string? actorScope = null, CancellationToken cancellationToken = default)
    {
        if (actorUserId == userId)
        {
            return null;
        }
        var held = await GetWithinScopeAsync(actorUserId, actorScope, cancellationToken);
        var beyond = (await GetAsync(userId, cancellationToken)).Where(p => !held.Contains(p)).Order(StringComparer.Ordinal).ToList();
        return beyond.Count == 0 ? null
            : $"This account holds {string.Join(", ", beyond)}, which you do not: only someone who holds all of it can change it.";
    }

    /// <summary>As the database has them now, bypassing the caches (live circuits compare this on each revalidation).</summary>
    public async Task<IReadOnlySet<string>> GetFreshAsync(string userId, CancellationToken cancellationToken = default)
    {
        Forget(userId);
        return (await _graph.GetFreshAsync(cancellationToken)).EffectiveOf(await RoleIdsAsync(userId, cancellationToken));
    }

    /// <summary>Each permission the user holds, with the role path and grant it comes through.</summary>
    public async Task<IReadOnlyList<PermissionSource>> ExplainAsync(string userId, CancellationToken cancellationToken = default) =>
        (await _graph.GetAsync(cancellationToken)).Sources(await RoleIdsAsync(userId, cancellationToken));

    /// <summary>Drops the cached roles after a change to the user's roles.</summary>
    public void Forget(string userId)
    {
        Interlocked.Increment(ref _generations[StripeOf(userId)]);
        _cache.Remove(CacheKey(userId));
    }

    private async Task<IReadOnlyList<string>> RoleIdsAsync(string userId, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(CacheKey(userId), out IReadOnlyList<string>? cached) && cached is not null)
        {
            return cached;
        }
        var stripe = StripeOf(userId);
        var generation = Interlocked.Read(ref _generations[stripe]);
        await using var db = await _dbFactory.CreateDbContextAsync(cancellationToken);
        IReadOnlyList<string> roleIds = await db.UserRoles.AsNoTracking().Where(ur => ur.UserId == userId).Select(ur => ur.RoleId).ToListAsync(cancellationToken);
        if (Interlocked.Read(ref _generations[stripe]) == generation)
        {
            _cache.Set(CacheKey(userId), roleIds, _cacheFor);
        }
        return roleIds;
    }

    private static string CacheKey(string userId) => $"roles-of:{userId}";

    private static int StripeOf(string userId) => (int)((uint)StringComparer.Ordinal.GetHashCode(userId) % GenerationStripes);
}
