namespace AuthPortal.Data;

/// <summary>A team sharing the portal. Deleting one sets <see cref="DeletedAt"/>: its members lose access at once, its audit trail stays.</summary>
public sealed class Organization
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";

    /// <summary>Lowercase letters, digits and dashes; unique (stored lowercase, so unique whatever the case typed).</summary>
    public string Slug { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? DeletedAt { get; set; }

    /// <summary>Renewed by every change to who owns the organization, so such changes queue behind one another.</summary>
    public string OwnershipStamp { get; set; } = "";
}

/// <summary>A role inside organizations: built in (no <see cref="OrganizationId"/>) or one organization's own.</summary>
public sealed class OrgRole
{
    public string Id { get; set; } = "";

    /// <summary>Null for the built-in Owner, Admin, Member and Viewer.</summary>
    public string? OrganizationId { get; set; }

    public string Name { get; set; } = "";

    /// <summary>Space-separated organization permission names.</summary>
    public string GrantedPermissions { get; set; } = "";
}

/// <summary>A person's membership of an organization, with their one role there.</summary>
public sealed class OrgMember
{
    public string OrganizationId { get; set; } = "";
    public string UserId { get; set; } = "";
    public string OrgRoleId { get; set; } = "";
    public DateTimeOffset JoinedAt { get; set; }

    public AppUser? User { get; set; }
    public OrgRole? Role { get; set; }
}

/// <summary>An emailed invitation. Only the token's SHA-256 is stored; it works once, until <see cref="ExpiresAt"/>.</summary>
public sealed class Invitation
{
    public string Id { get; set; } = "";
    public string OrganizationId { get; set; } = "";
    public string Email { get; set; } = "";
    public string NormalizedEmail { get; set; } = "";
    public string OrgRoleId { get; set; } = "";
    public string TokenHash { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? AcceptedAt { get; set; }
    public string? AcceptedByUserId { get; set; }
    public DateTimeOffset? CancelledAt { get; set; }
    public string InvitedById { get; set; } = "";
}
