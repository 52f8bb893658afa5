using AuthPortal.Data;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using System.Security.Claims;

namespace AuthPortal.Infrastructure.Authorization;

/// <summary>The caller must hold at least one of <see cref="AnyOf"/>.</summary>
internal sealed record PermissionRequirement(IReadOnlyList<string> AnyOf) : IAuthorizationRequirement;

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

internal sealed class PermissionAuthorizationHandler(UserPermissions userPermissions)
    : AuthorizationHandler<PermissionRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, PermissionRequirement requirement)
    {
        var userId = context.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? context.User.FindFirstValue("sub");
        if (userId is null || context.User.Identity?.IsAuthenticated != true)
        {
            return;
        }
        var held = await userPermissions.GetAsync(userId);
        // A bearer token's scope narrows, never widens: the permission must be both held now and in scope.
        var scope = context.User.FindFirstValue("scope");
        var inScope = scope is null ? null : scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        if (requirement.AnyOf.Any(p => held.Contains(p) && (inScope is null || inScope.Contains(p))))
        {
            context.Succeed(requirement);
        }
    }
}

internal static class PermissionPolicies
{
    /// <summary>One policy per system permission, named after it, plus <see cref="Permissions.AdminAreaPolicy"/>.</summary>
    public static AuthorizationBuilder AddPermissionPolicies(this AuthorizationBuilder authorization)
    {
        foreach (var permission in Permissions.System)
        {
            authorization.AddPolicy(permission.Name, policy => policy
                .RequireAuthenticatedUser()
                .AddRequirements(new PermissionRequirement([permission.Name])));
        }
        authorization.AddPolicy(Permissions.AdminAreaPolicy, policy => policy
            .RequireAuthenticatedUser()
            .AddRequirements(new PermissionRequirement(Permissions.AdminArea)));
        return authorization;
    }
}
