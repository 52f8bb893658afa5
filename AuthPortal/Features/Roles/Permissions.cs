namespace AuthPortal.Features.Roles;

/// <summary>A permission with the description shown next to it in the UI.</summary>
public sealed record Permission(string Name, string Description, bool IsOrganizationScoped);

/// <summary>The one catalog of permissions (DESIGN.md "Authorization"). Policies carry the same names.</summary>
public static class Permissions
{
    public const string ClaimType = "permission";

    public const string UsersRead = "users.read";
    public const string UsersWrite = "users.write";
    public const string UsersSessionsRevoke = "users.sessions.revoke";
    public const string RolesManage = "roles.manage";
    public const string OrgsManage = "orgs.manage";
    public const string AuditRead = "audit.read";
    public const string SettingsManage = "settings.manage";

    public const string OrgRead = "org.read";
    public const string OrgUpdate = "org.update";
    public const string OrgDelete = "org.delete";
    public const string OrgMembersRead = "org.members.read";
    public const string OrgMembersManage = "org.members.manage";
    public const string OrgRolesManage = "org.roles.manage";
    public const string OrgAuditRead = "org.audit.read";

    public static IReadOnlyList<Permission> System { get; } =
    [
        new(UsersRead, "See users and their details", false),
        new(UsersWrite, "Create, edit, lock and delete users", false),
        new(UsersSessionsRevoke, "Sign users out by revoking their sessions", false),
        new(RolesManage, "Create and edit system roles and assign them", false),
        new(OrgsManage, "Manage every organization", false),
        new(AuditRead, "Read and export the audit log", false),
        new(SettingsManage, "Change portal settings", false),
    ];

    public static IReadOnlyList<Permission> Organization { get; } =
    [
        new(OrgRead, "See the organization", true),
        new(OrgUpdate, "Rename the organization", true),
        new(OrgDelete, "Delete the organization", true),
        new(OrgMembersRead, "See members", true),
        new(OrgMembersManage, "Invite, remove and change members", true),
        new(OrgRolesManage, "Manage organization roles", true),
        new(OrgAuditRead, "Read the organization's audit log", true),
    ];

    /// <summary>The suffix of an area wildcard: <c>users.*</c> covers that area's current and future permissions.</summary>
    public const string WildcardSuffix = ".*";

    /// <summary>The area of a permission or wildcard: its first dotted segment (<c>users</c> for <c>users.sessions.revoke</c>).</summary>
    public static string AreaOf(string permission) => permission.Split('.', 2)[0];

    /// <summary>The system areas, in catalog order, each with its permissions (the matrix's groups).</summary>
    public static IReadOnlyList<IGrouping<string, Permission>> SystemAreas { get; } = System.GroupBy(p => AreaOf(p.Name)).ToList();

    public static bool IsWildcard(string grant) => grant.EndsWith(WildcardSuffix, StringComparison.Ordinal);

    /// <summary>What a system role may hold: a system permission or a system area's wildcard.</summary>
    public static bool IsSystemGrant(string grant) =>
        IsWildcard(grant) ? SystemAreas.Any(a => a.Key + WildcardSuffix == grant) : System.Any(p => p.Name == grant);

    /// <summary>The catalog permissions <paramref name="grant"/> covers: itself, or every permission of its area.</summary>
    public static IEnumerable<string> Expand(string grant) =>
        IsWildcard(grant)
            ? System.Concat(Organization).Where(p => AreaOf(p.Name) + WildcardSuffix == grant).Select(p => p.Name)
            : [grant];

    public static bool IsOrganizationPermission(string name) => Organization.Any(p => p.Name == name);

    /// <summary>
    /// The part of <paramref name="held"/> a token's or key's space-separated <paramref name="scopeClaim"/> names; all of
    /// it when there is no scope claim (a cookie). An empty scope allows nothing.
    /// </summary>
    public static IReadOnlySet<string> WithinScope(string? scopeClaim, IReadOnlySet<string> held) =>
        scopeClaim is null ? held : scopeClaim.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(held.Contains).ToHashSet(StringComparer.Ordinal);

    public static bool IsKnown(string name) => System.Any(p => p.Name == name) || IsOrganizationPermission(name);

    /// <summary>Permissions that open the admin section of the UI.</summary>
    public static IReadOnlyList<string> AdminArea { get; } = [UsersRead, RolesManage, OrgsManage, AuditRead, SettingsManage];

    public const string AdminAreaPolicy = "admin.area";
}
