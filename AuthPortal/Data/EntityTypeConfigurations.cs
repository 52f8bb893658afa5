using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AuthPortal.Data;

internal sealed class AppUserConfiguration : IEntityTypeConfiguration<AppUser>
{
    public void Configure(EntityTypeBuilder<AppUser> user)
    {
        user.Property(u => u.DisplayName).HasMaxLength(100);
        user.Property(u => u.TimeZone).HasMaxLength(64);
        user.Property(u => u.Description).HasMaxLength(200);
        // One account per email, enforced by the database (Identity's index is not unique): two registrations racing on
        // two instances cannot both pass the "is it taken?" check. Service accounts have no email; NULLs do not collide.
        user.HasIndex(u => u.NormalizedEmail).HasDatabaseName("EmailIndex").IsUnique();
        // The admin list sorts by each of these; an index walks them in order instead of sorting the table.
        user.HasIndex(u => u.CreatedAt);
        user.HasIndex(u => u.LastSignInAt);
        // "2FA on (or off) and signed in within N days": a range of this index, counted without reading the rows.
        user.HasIndex(u => new { u.TwoFactorEnabled, u.LastSignInAt });
        user.HasIndex(u => u.DisplayName);
        // Few people are disabled or locked: these filters read only them.
        user.HasIndex(u => u.DisabledAt);
        user.HasIndex(u => u.LockoutEnd);
        // The service-account list reads only these few rows, however many people there are.
        user.HasIndex(u => u.IsServiceAccount);
    }
}

internal sealed class AppRoleConfiguration : IEntityTypeConfiguration<AppRole>
{
    public void Configure(EntityTypeBuilder<AppRole> role)
    {
        role.Property(r => r.Description).HasMaxLength(256);
    }
}

internal sealed class RoleInclusionConfiguration : IEntityTypeConfiguration<RoleInclusion>
{
    public void Configure(EntityTypeBuilder<RoleInclusion> inclusion)
    {
        inclusion.HasKey(i => new { i.RoleId, i.IncludedRoleId });
        inclusion.HasOne<AppRole>().WithMany().HasForeignKey(i => i.RoleId).OnDelete(DeleteBehavior.Cascade);
        inclusion.HasOne<AppRole>().WithMany().HasForeignKey(i => i.IncludedRoleId).OnDelete(DeleteBehavior.Cascade);
        inclusion.HasIndex(i => i.IncludedRoleId);
    }
}

internal sealed class OrganizationConfiguration : IEntityTypeConfiguration<Organization>
{
    public void Configure(EntityTypeBuilder<Organization> org)
    {
        org.HasKey(o => o.Id);
        org.Property(o => o.Id).HasMaxLength(64);
        org.Property(o => o.Name).HasMaxLength(100);
        org.Property(o => o.Slug).HasMaxLength(64);
        org.Property(o => o.OwnershipStamp).HasMaxLength(64);
        org.HasIndex(o => o.Slug).IsUnique();
    }
}

internal sealed class OrgRoleConfiguration : IEntityTypeConfiguration<OrgRole>
{
    public void Configure(EntityTypeBuilder<OrgRole> role)
    {
        role.HasKey(r => r.Id);
        role.Property(r => r.Id).HasMaxLength(64);
        role.Property(r => r.Name).HasMaxLength(64);
        role.Property(r => r.GrantedPermissions).HasMaxLength(512);
        role.HasOne<Organization>().WithMany().HasForeignKey(r => r.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        role.HasIndex(r => new { r.OrganizationId, r.Name }).IsUnique();
        role.HasData(OrgRoleSeed.BuiltIn);
    }
}

internal sealed class OrgMemberConfiguration : IEntityTypeConfiguration<OrgMember>
{
    public void Configure(EntityTypeBuilder<OrgMember> member)
    {
        member.HasKey(m => new { m.OrganizationId, m.UserId });
        member.HasOne<Organization>().WithMany().HasForeignKey(m => m.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        member.HasOne(m => m.User).WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
        member.HasOne(m => m.Role).WithMany().HasForeignKey(m => m.OrgRoleId).OnDelete(DeleteBehavior.Restrict);
        member.HasIndex(m => m.UserId);
        member.HasIndex(m => new { m.OrganizationId, m.OrgRoleId });
    }
}

internal sealed class InvitationConfiguration : IEntityTypeConfiguration<Invitation>
{
    public void Configure(EntityTypeBuilder<Invitation> invitation)
    {
        invitation.HasKey(i => i.Id);
        invitation.Property(i => i.Id).HasMaxLength(64);
        invitation.Property(i => i.Email).HasMaxLength(256);
        invitation.Property(i => i.NormalizedEmail).HasMaxLength(256);
        invitation.Property(i => i.TokenHash).HasMaxLength(64);
        invitation.HasOne<Organization>().WithMany().HasForeignKey(i => i.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        invitation.HasOne<OrgRole>().WithMany().HasForeignKey(i => i.OrgRoleId).OnDelete(DeleteBehavior.Restrict);
        invitation.HasIndex(i => i.TokenHash).IsUnique();
        invitation.HasIndex(i => new { i.OrganizationId, i.AcceptedAt, i.CancelledAt });
    }
}

/// <summary>The built-in organization roles, with fixed ids so every database agrees on them.</summary>
internal static class OrgRoleSeed
{
    public static OrgRole[] BuiltIn { get; } =
    [
        new() { Id = "owner", Name = "Owner", GrantedPermissions = "org.audit.read org.delete org.members.manage org.members.read org.read org.roles.manage org.update" },
        new() { Id = "admin", Name = "Admin", GrantedPermissions = "org.audit.read org.members.manage org.members.read org.read org.roles.manage org.update" },
        new() { Id = "member", Name = "Member", GrantedPermissions = "org.members.read org.read" },
        new() { Id = "viewer", Name = "Viewer", GrantedPermissions = "org.read" },
    ];
}

internal sealed class ProtectedSecretConfiguration : IEntityTypeConfiguration<ProtectedSecret>
{
    public void Configure(EntityTypeBuilder<ProtectedSecret> secret)
    {
        secret.HasKey(s => s.Name);
        secret.Property(s => s.Name).HasMaxLength(64);
    }
}

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> audit)
    {
        audit.Property(a => a.Action).HasMaxLength(64);
        audit.Property(a => a.ActorKind).HasConversion<string>().HasMaxLength(16);
        audit.Property(a => a.TargetType).HasMaxLength(64);
        audit.Property(a => a.TargetId).HasMaxLength(128);
        audit.Property(a => a.IpAddress).HasMaxLength(64);
        audit.Property(a => a.UserAgent).HasMaxLength(512);
        audit.Property(a => a.PreviousHash).HasMaxLength(64);
        audit.Property(a => a.Hash).HasMaxLength(64);
        audit.HasIndex(a => a.OccurredAt);
        audit.HasIndex(a => new { a.ActorUserId, a.OccurredAt });
        audit.HasIndex(a => new { a.OrganizationId, a.OccurredAt });
        audit.HasIndex(a => new { a.TargetType, a.TargetId });
        audit.HasIndex(a => new { a.Action, a.OccurredAt });
        // The audit view filters by address and by a target id alone (any type): at a million events a scan is slow.
        audit.HasIndex(a => a.IpAddress);
        audit.HasIndex(a => a.TargetId);
    }
}

internal sealed class UserSessionConfiguration : IEntityTypeConfiguration<UserSession>
{
    public void Configure(EntityTypeBuilder<UserSession> session)
    {
        session.HasKey(s => s.Id);
        session.Property(s => s.Id).HasMaxLength(64);
        session.Property(s => s.Kind).HasConversion<string>().HasMaxLength(16);
        session.Property(s => s.RevokedReason).HasMaxLength(64);
        session.Property(s => s.IpAddress).HasMaxLength(64);
        session.Property(s => s.UserAgent).HasMaxLength(512);
        session.HasOne(s => s.User).WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
        session.HasIndex(s => new { s.UserId, s.RevokedAt });
        session.HasIndex(s => s.ExpiresAt);
    }
}

internal sealed class SigningKeyConfiguration : IEntityTypeConfiguration<SigningKey>
{
    public void Configure(EntityTypeBuilder<SigningKey> key)
    {
        key.HasKey(k => k.Id);
        key.Property(k => k.Id).HasMaxLength(64);
        key.Property(k => k.Algorithm).HasMaxLength(16);
        key.HasIndex(k => k.CreatedAt);
    }
}

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> key)
    {
        key.HasKey(k => k.Id);
        key.Property(k => k.Id).HasMaxLength(64);
        key.Property(k => k.Name).HasMaxLength(100);
        key.Property(k => k.Prefix).HasMaxLength(16);
        key.Property(k => k.SecretHash).HasMaxLength(64);
        key.Property(k => k.Scopes).HasMaxLength(1024);
        key.Property(k => k.LastUsedIp).HasMaxLength(64);
        key.HasIndex(k => k.SecretHash).IsUnique();
        key.HasIndex(k => new { k.UserId, k.RevokedAt });
        key.HasOne(k => k.User).WithMany().HasForeignKey(k => k.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ApiKeyDailyUseConfiguration : IEntityTypeConfiguration<ApiKeyDailyUse>
{
    public void Configure(EntityTypeBuilder<ApiKeyDailyUse> use)
    {
        use.HasKey(u => new { u.ApiKeyId, u.Day });
        use.Property(u => u.ApiKeyId).HasMaxLength(64);
        use.HasOne<ApiKey>().WithMany().HasForeignKey(u => u.ApiKeyId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class RefreshTokenConfiguration : IEntityTypeConfiguration<RefreshToken>
{
    public void Configure(EntityTypeBuilder<RefreshToken> token)
    {
        token.HasKey(t => t.Id);
        token.Property(t => t.Id).HasMaxLength(64);
        token.Property(t => t.TokenHash).HasMaxLength(64);
        token.Property(t => t.ReplacedById).HasMaxLength(64);
        token.Property(t => t.Scope).HasMaxLength(1024);
        token.HasIndex(t => t.TokenHash).IsUnique();
        token.HasOne(t => t.Session).WithMany().HasForeignKey(t => t.SessionId).OnDelete(DeleteBehavior.Cascade);
    }
}
