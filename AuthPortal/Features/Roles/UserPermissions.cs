using AuthPortal.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace AuthPortal.Features.Roles;

/// <summary>
/// Reads a user's current system permissions from the database (their roles' <c>permission</c> claims),
/// cached for a few seconds. Permissions are not trusted from the cookie, so a role change applies
/// without waiting for the cookie to be reissued.
/// </summary>
public sealed class UserPermissions(IDbContextFactory<AppDbContext> dbFactory, IMemoryCache cache)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);

    public async Task<IReadOnlySet<string>> GetAsync(string userId, CancellationToken cancellationToken = default)
    {
        if (cache.TryGetValue(CacheKey(userId), out IReadOnlySet<string>? cached) && cached is not null)
        {
            return cached;
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var permissions = await (
            from userRole in db.UserRoles
            join claim in db.RoleClaims on userRole.RoleId equals claim.RoleId
            where userRole.UserId == userId && claim.ClaimType == Permissions.ClaimType
            select claim.ClaimValue!).Distinct().ToListAsync(cancellationToken);
        var set = permissions.ToHashSet(StringComparer.Ordinal);
        cache.Set(CacheKey(userId), (IReadOnlySet<string>)set, CacheFor);
        return set;
    }

    /// <summary>Drops the cached permissions after a role or membership change.</summary>
    public void Forget(string userId) => cache.Remove(CacheKey(userId));

    private static string CacheKey(string userId) => $"permissions:{userId}";
}
