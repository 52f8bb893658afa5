using Microsoft.AspNetCore.Identity;

namespace AuthPortal.Data;

/// <summary>A system role. Its permissions are role claims of type <c>permission</c>.</summary>
public sealed class AppRole : IdentityRole
{
    public AppRole() { }

    public AppRole(string name) : base(name) { }

    public string Description { get; set; } = "";

    /// <summary>Built-in roles (Administrator) cannot be deleted or renamed.</summary>
    public bool IsBuiltIn { get; set; }
}

/// <summary>
/// A composite role (Keycloak's term): <see cref="RoleId"/> grants everything <see cref="IncludedRoleId"/> grants.
/// Inclusions never form a cycle.
/// </summary>
public sealed class RoleInclusion
{
    public string RoleId { get; set; } = "";
    public string IncludedRoleId { get; set; } = "";
}
