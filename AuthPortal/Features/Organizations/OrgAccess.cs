using System.Security.Claims;
using AuthPortal.Data;
using AuthPortal.Features.Roles;
using AuthPortal.Features.Sessions;
using AuthPortal.Features.Tokens;
using Microsoft.EntityFrameworkCore;

namespace AuthPortal.Features.Organizations;

/// <summary>The built-in organization roles (seeded with these ids).</summary>
public static class BuiltInOrgRoles
{
    public const string OwnerId = "owner";
    public const string AdminId = "admin";
    public const string MemberId = "member";
    public const string ViewerId = "viewer";

    public static bool IsBuiltIn(string roleId) => roleId is OwnerId or AdminId or MemberId or ViewerId;
}

/// <summary>What the caller may do in one organization, and as what.</summary>
public sealed record OrgContext(Organization Organization, string? RoleId, string? RoleName, IReadOnlySet<string> Permissions, bool AsSystemAdministrator)
{
    public bool Can(string permission) => Permissions.Contains(permission);

    /// <summary>Which of a role's permissions the caller does not hold here, in the order given.</summary>
    public IReadOnlyList<string> Lacks(IEnumerable<string> rolePermissions) => rolePermissions.Where(p => !Can(p)).ToList();

    /// <summary>Whether the caller holds all of a role's permissions here: only then may they give the role, or change or remove a member who has it.</summary>
    public bool HoldsAll(IEnumerable<string> rolePermissions) => Lacks(rolePermissions).Count == 0;

    public bool IsOwner => RoleId == BuiltInOrgRoles.OwnerId || AsSystemAdministrator;
}

/// <summary>
/// The one check for everything inside an organization, for pages and the API alike. An organization the caller cannot
/// see (not a member, deleted, or no such id) resolves to null, which every route answers with 404, never 403. A member
/// gets their role's permissions; a holder of the system permission <c>orgs.manage</c> gets all of them in any
/// organization. A token's or key's scope narrows either.
/// </summary>
public sealed class OrgAccess(IDbContextFactory<AppDbContext> dbFactory, UserPermissions systemPermissions)
{
    public async Task<OrgContext?> ResolveAsync(ClaimsPrincipal caller, string orgIdOrSlug, CancellationToken cancellationToken = default)
    {
        if (caller.FindUserId() is not { } userId)
        {
            return null;
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var slug = orgIdOrSlug.ToLowerInvariant();
        var organization = await db.Organizations.AsNoTracking()
            .FirstOrDefaultAsync(o => (o.Id == orgIdOrSlug || o.Slug == slug) && o.DeletedAt == null, cancellationToken);
        if (organization is null)
        {
            return null;
        }
        var membership = await db.OrgMembers.AsNoTracking().Where(m => m.OrganizationId == organization.Id && m.UserId == userId)
            .Select(m => new { m.OrgRoleId, m.Role!.Name, m.Role.GrantedPermissions }).FirstOrDefaultAsync(cancellationToken);
        var scope = caller.Scope();
        var systemAdministrator = (await systemPermissions.GetWithinScopeAsync(userId, scope, cancellationToken)).Contains(Permissions.OrgsManage);
        if (membership is null && !systemAdministrator)
        {
            return null;
        }
        var granted = systemAdministrator
            ? Permissions.Organization.Select(p => p.Name)
            : TokenScope.Parse(membership!.GrantedPermissions).Names;
        return new OrgContext(organization, membership?.OrgRoleId, membership?.Name, TokenScope.EffectiveInOrganization(scope, granted),
            systemAdministrator);
    }
}
