using System.Security.Cryptography;
using System.Text.RegularExpressions;
using AuthPortal.Data;
using AuthPortal.Features.Audit;
using AuthPortal.Features.Roles;
using AuthPortal.Features.Tokens;
using AuthPortal.Infrastructure.Api;
using AuthPortal.Infrastructure.Database;
using AuthPortal.Infrastructure.Email;
using AuthPortal.Infrastructure.Options;
using AuthPortal.Infrastructure.Security;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Caching.Memory;

namespace AuthPortal.Features.Organizations;

public sealed record OrgView(string Id, string Name, string Slug, DateTimeOffset CreatedAt);

public sealed record MyOrg(string Id, string Slug, string Name, string Role);

public sealed record OrgSummary(string Id, string Name, string Slug, DateTimeOffset CreatedAt, int MemberCount);

public sealed record OrgDetails(string Id, string Name, string Slug, DateTimeOffset CreatedAt, string? Role, IReadOnlyList<string> Permissions, int MemberCount);

public sealed record MemberView(string UserId, string Email, string DisplayName, string Role, string RoleId, DateTimeOffset JoinedAt);

public sealed record OrgRoleView(string Id, string Name, IReadOnlyList<string> Permissions, bool IsBuiltIn, int MemberCount);

public sealed record InvitationView(string Id, string Email, string Role, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);

public sealed record NewOrganization(string Name, string? Slug);

public sealed record OrganizationChange(string? Name, string? Slug);

public sealed record MemberChange(string Role);

public sealed record NewInvitation(string Email, string Role);

public sealed record OrgRoleRequest(string Name, IReadOnlyList<string>? Permissions);

public sealed record AcceptInvitation(string Token);

public enum OrgOutcome { Done, NotFound, Forbidden, Invalid, Conflict, LastOwner }

public sealed record OrgResult<T>(OrgOutcome Outcome, T? Value = default, IReadOnlyList<(string Field, string Message)>? Errors = null, string? Detail = null)
{
    public IReadOnlyList<(string Field, string Message)> FieldErrors => Errors ?? [];

    public static OrgResult<T> Ok(T value) => new(OrgOutcome.Done, value);

    public static OrgResult<T> Invalid(string field, string message) => new(OrgOutcome.Invalid, Errors: [(field, message)]);

    public static OrgResult<T> Refused(OrgOutcome outcome, string detail) => new(outcome, Detail: detail);
}

/// <summary>
/// Organizations and what happens inside them. Every method takes the caller's <see cref="OrgContext"/> from
/// <see cref="OrgAccess"/> (already visible to them) and checks the organization permission it needs. An organization
/// always keeps an Owner: each change that could take the last one away first renews the organization's ownership stamp
/// inside its transaction, so such changes queue on every database and each counts what the one before it left.
/// Every change is audited with the organization's id, in its transaction.
/// </summary>
public sealed partial class OrgManagement(IDbContextFactory<AppDbContext> dbFactory, AuditLog audit, IMailSender mail, TimeProvider time, ClusterNotices notices,
    IMemoryCache cache, IOptions<SessionPolicyOptions> sessions)
    : IClusterNoticeHandler
{
    // Bumped after any change to organizations, memberships or organization roles (here, or another instance's notice):
    // a person's cached list of organizations is keyed by it, so a change is seen at once and a read that raced a change
    // is never served after it. Changes are rare; /api/me reads the list on every call.
    private long _generation;

    /// <summary>An organization's members changed (joined, left, removed, re-roled), here or on another instance: open member lists reload.</summary>
    public event Action<string>? MembersChanged;

    /// <summary>The notice other instances get when an organization's members changed here.</summary>
    public const string MembersChangedTopic = "org.members_changed";

    string IClusterNoticeHandler.Topic => MembersChangedTopic;

    void IClusterNoticeHandler.OnNotice(IReadOnlyList<string> organizationIds)
    {
        foreach (var id in organizationIds)
        {
            MembersChangedHere(id);
        }
    }

    // After the commit: this instance's cached lists and open pages at once, the other instances' through their notice.
    private void AnnounceMembersChanged(string organizationId)
    {
        MembersChangedHere(organizationId);
        notices.Send(MembersChangedTopic, [organizationId]);
    }

    private void MembersChangedHere(string organizationId)
    {
        Interlocked.Increment(ref _generation);
        MembersChanged?.Invoke(organizationId);
    }

    public static readonly TimeSpan InvitationLifetime = TimeSpan.FromDays(7);
    private const string InvitationMarker = "inv_";

    public async Task<OrgResult<OrgView>> CreateAsync(string userId, NewOrganization request, CancellationToken cancellationToken = default)
    {
        var name = (request.Name ?? "").Trim();
        if (name.Length is 0 or > 100)
        {
            return OrgResult<OrgView>.Invalid("name", "Name the organization (at most 100 characters).");
        }
        string? slug = null;
        if (request.Slug is not null && SlugProblem(request.Slug) is { } slugProblem)
        {
            return OrgResult<OrgView>.Invalid("slug", slugProblem);
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (request.Slug is not null)
        {
            slug = request.Slug.Trim().ToLowerInvariant();
            if (await db.Organizations.AnyAsync(o => o.Slug == slug, cancellationToken))
            {
                return OrgResult<OrgView>.Refused(OrgOutcome.Conflict, "Another organization has this slug.");
            }
        }
        else
        {
            slug = await FreeSlugAsync(db, SlugFrom(name), cancellationToken);
        }
        var now = time.GetUtcNow();
        var organization = new Organization { Id = Secrets.NewId(), Name = name, Slug = slug, CreatedAt = now, OwnershipStamp = Secrets.NewId() };
        db.Organizations.Add(organization);
        db.OrgMembers.Add(new OrgMember { OrganizationId = organization.Id, UserId = userId, OrgRoleId = BuiltInOrgRoles.OwnerId, JoinedAt = now });
        audit.Append(db, new AuditRecord(AuditActions.OrgCreated)
        {
            ActorUserId = userId, TargetType = AuditTargets.Organization, TargetId = organization.Id, OrganizationId = organization.Id, Details = new { name, slug },
        });
        if (!await TrySaveAsync(db, cancellationToken))
        {
            return OrgResult<OrgView>.Refused(OrgOutcome.Conflict, "Another organization has this slug.");
        }
        await transaction.CommitAsync(cancellationToken);
        AnnounceMembersChanged(organization.Id);
        return OrgResult<OrgView>.Ok(new OrgView(organization.Id, name, slug, now));
    }

    /// <summary>
    /// The person's organizations with their role in each, by name. Cached per person for Sessions:RevalidationSeconds
    /// and dropped by any organization change (see <c>_generation</c>).
    /// </summary>
    public async Task<IReadOnlyList<MyOrg>> ListMineAsync(string userId, CancellationToken cancellationToken = default)
    {
        var key = $"my-orgs:{userId}:{Interlocked.Read(ref _generation)}";
        if (cache.TryGetValue(key, out IReadOnlyList<MyOrg>? known) && known is not null)
        {
            return known;
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        IReadOnlyList<MyOrg> mine = await (from member in db.OrgMembers.AsNoTracking()
                                           join organization in db.Organizations on member.OrganizationId equals organization.Id
                                           where member.UserId == userId && organization.DeletedAt == null
                                           orderby organization.Name
                                           select new MyOrg(organization.Id, organization.Slug, organization.Name, member.Role!.Name)).ToListAsync(cancellationToken);
        cache.Set(key, mine, TimeSpan.FromSeconds(sessions.Value.RevalidationSeconds));
        return mine;
    }

    /// <summary>Every organization with its member count (the system administrators' view).</summary>
    public async Task<Paged<OrgSummary>> ListAllAsync(string? search, int page, int pageSize, CancellationToken cancellationToken = default)
    {
        (page, pageSize) = Paged<OrgSummary>.Clamp(page, pageSize);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.Organizations.AsNoTracking().Where(o => o.DeletedAt == null);
        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = search.Trim().ToLowerInvariant();
            query = query.Where(o => o.Slug.Contains(term) || o.Name.ToLower().Contains(term));
        }
        var total = await query.CountAsync(cancellationToken);
        var items = await query.OrderBy(o => o.Name).Skip((page - 1) * pageSize).Take(pageSize)
            .Select(o => new OrgSummary(o.Id, o.Name, o.Slug, o.CreatedAt, db.OrgMembers.Count(m => m.OrganizationId == o.Id))).ToListAsync(cancellationToken);
        return new Paged<OrgSummary>(items, page, pageSize, total);
    }

    public async Task<OrgDetails> DescribeAsync(OrgContext org, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var members = await db.OrgMembers.CountAsync(m => m.OrganizationId == org.Organization.Id, cancellationToken);
        var o = org.Organization;
        return new OrgDetails(o.Id, o.Name, o.Slug, o.CreatedAt, org.RoleName, org.Permissions.Order(StringComparer.Ordinal).ToList(), members);
    }

    public async Task<OrgResult<OrgView>> UpdateAsync(OrgContext org, string actorUserId, OrganizationChange change, CancellationToken cancellationToken = default)
    {
        if (!org.Can(Permissions.OrgUpdate))
        {
            return OrgResult<OrgView>.Refused(OrgOutcome.Forbidden, "Renaming the organization needs org.update.");
        }
        var name = change.Name?.Trim();
        if (name is not null && name.Length is 0 or > 100)
        {
            return OrgResult<OrgView>.Invalid("name", "Name the organization (at most 100 characters).");
        }
        if (change.Slug is not null && SlugProblem(change.Slug) is { } slugProblem)
        {
            return OrgResult<OrgView>.Invalid("slug", slugProblem);
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var organization = await db.Organizations.FirstOrDefaultAsync(o => o.Id == org.Organization.Id && o.DeletedAt == null, cancellationToken);
        if (organization is null)
        {
            return new OrgResult<OrgView>(OrgOutcome.NotFound);
        }
        var slug = change.Slug?.Trim().ToLowerInvariant();
        if (slug is not null && slug != organization.Slug && await db.Organizations.AnyAsync(o => o.Slug == slug, cancellationToken))
        {
            return OrgResult<OrgView>.Refused(OrgOutcome.Conflict, "Another organization has this slug.");
        }
        organization.Name = name ?? organization.Name;
        organization.Slug = slug ?? organization.Slug;
        audit.Append(db, new AuditRecord(AuditActions.OrgUpdated)
        {
            ActorUserId = actorUserId, TargetType = AuditTargets.Organization, TargetId = organization.Id, OrganizationId = organization.Id,
            Details = new { name = organization.Name, slug = organization.Slug },
        });
        if (!await TrySaveAsync(db, cancellationToken))
        {
            return OrgResult<OrgView>.Refused(OrgOutcome.Conflict, "Another organization has this slug.");
        }
        await transaction.CommitAsync(cancellationToken);
        AnnounceMembersChanged(organization.Id);
        return OrgResult<OrgView>.Ok(new OrgView(organization.Id, organization.Name, organization.Slug, organization.CreatedAt));
    }

    /// <summary>Soft delete: the organization disappears for its members at once; its rows and audit trail stay.</summary>
    public async Task<OrgResult<bool>> DeleteAsync(OrgContext org, string actorUserId, CancellationToken cancellationToken = default)
    {
        if (!org.Can(Permissions.OrgDelete))
        {
            return OrgResult<bool>.Refused(OrgOutcome.Forbidden, "Deleting the organization needs org.delete (owners).");
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var organization = await db.Organizations.FirstOrDefaultAsync(o => o.Id == org.Organization.Id && o.DeletedAt == null, cancellationToken);
        if (organization is null)
        {
            return new OrgResult<bool>(OrgOutcome.NotFound);
        }
        organization.DeletedAt = time.GetUtcNow();
        // The slug is freed for a new organization; the old one keeps a unique tombstone.
        organization.Slug = $"{organization.Slug}~deleted~{organization.Id}";
        audit.Append(db, new AuditRecord(AuditActions.OrgDeleted)
        {
            ActorUserId = actorUserId, TargetType = AuditTargets.Organization, TargetId = organization.Id, OrganizationId = organization.Id, Details = new { name = organization.Name },
        });
        await db.SaveChangesAsync(cancellationToken);
        AnnounceMembersChanged(organization.Id);
        return OrgResult<bool>.Ok(true);
    }

    public async Task<OrgResult<Paged<MemberView>>> MembersAsync(OrgContext org, string? search, int page, int pageSize, CancellationToken cancellationToken = default)
    {
        if (!org.Can(Permissions.OrgMembersRead))
        {
            return OrgResult<Paged<MemberView>>.Refused(OrgOutcome.Forbidden, "Seeing members needs org.members.read.");
        }
        (page, pageSize) = Paged<MemberView>.Clamp(page, pageSize);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.OrgMembers.AsNoTracking().Where(m => m.OrganizationId == org.Organization.Id);
        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = search.Trim().ToUpperInvariant();
            query = query.Where(m => m.User!.NormalizedEmail!.Contains(term) || m.User.DisplayName.ToUpper().Contains(term));
        }
        var total = await query.CountAsync(cancellationToken);
        var items = await query.OrderBy(m => m.User!.NormalizedEmail).Skip((page - 1) * pageSize).Take(pageSize)
            .Select(m => new MemberView(m.UserId, m.User!.Email ?? m.User.UserName ?? "", m.User.DisplayName, m.Role!.Name, m.OrgRoleId, m.JoinedAt))
            .ToListAsync(cancellationToken);
        return OrgResult<Paged<MemberView>>.Ok(new Paged<MemberView>(items, page, pageSize, total));
    }

    /// <summary>Gives a member another role. Only an owner makes or unmakes owners; the last owner stays one.</summary>
    public async Task<OrgResult<bool>> ChangeRoleAsync(OrgContext org, string actorUserId, string userId, string roleName, CancellationToken cancellationToken = default)
    {
        if (!org.Can(Permissions.OrgMembersManage))
        {
            return OrgResult<bool>.Refused(OrgOutcome.Forbidden, "Changing members needs org.members.manage.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await QueueBehindOwnershipChangesAsync(db, org.Organization.Id, cancellationToken);
        var role = await FindRoleAsync(db, org.Organization.Id, roleName, cancellationToken);
        if (role is null)
        {
            return OrgResult<bool>.Invalid("role", "No role of this organization has this name.");
        }
        var member = await db.OrgMembers.FirstOrDefaultAsync(m => m.OrganizationId == org.Organization.Id && m.UserId == userId, cancellationToken);
        if (member is null)
        {
            return new OrgResult<bool>(OrgOutcome.NotFound);
        }
        if ((role.Id == BuiltInOrgRoles.OwnerId || member.OrgRoleId == BuiltInOrgRoles.OwnerId) && !org.IsOwner)
        {
            return OrgResult<bool>.Refused(OrgOutcome.Forbidden, "Only an owner makes someone an owner or changes an owner's role.");
        }
        if (GrantedBeyondCaller(org, role) is { } given)
        {
            return OrgResult<bool>.Refused(OrgOutcome.Forbidden, $"You cannot give the role {role.Name}: it grants {given}, which you do not hold here.");
        }
        if (await CurrentRoleBeyondCallerAsync(db, org, member, cancellationToken) is { } refusal)
        {
            return OrgResult<bool>.Refused(OrgOutcome.Forbidden, $"You cannot change the role of {refusal}.");
        }
        if (member.OrgRoleId == BuiltInOrgRoles.OwnerId && role.Id != BuiltInOrgRoles.OwnerId && await WouldLoseLastOwnerAsync(db, org.Organization.Id, userId, cancellationToken))
        {
            return OrgResult<bool>.Refused(OrgOutcome.LastOwner, "An organization keeps at least one owner: make someone else an owner first.");
        }
        var previous = member.OrgRoleId;
        member.OrgRoleId = role.Id;
        audit.Append(db, new AuditRecord(AuditActions.OrgMemberChanged)
        {
            ActorUserId = actorUserId, TargetType = AuditTargets.User, TargetId = userId, OrganizationId = org.Organization.Id, Details = new { from = previous, to = role.Id },
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        AnnounceMembersChanged(org.Organization.Id);
        return OrgResult<bool>.Ok(true);
    }

    /// <summary>Removes a member (org.members.manage), or lets a member leave (anyone, for themselves); never the last owner.</summary>
    public async Task<OrgResult<bool>> RemoveAsync(OrgContext org, string actorUserId, string userId, CancellationToken cancellationToken = default)
    {
        var leaving = userId == actorUserId;
        if (!leaving && !org.Can(Permissions.OrgMembersManage))
        {
            return OrgResult<bool>.Refused(OrgOutcome.Forbidden, "Removing members needs org.members.manage.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await QueueBehindOwnershipChangesAsync(db, org.Organization.Id, cancellationToken);
        var member = await db.OrgMembers.FirstOrDefaultAsync(m => m.OrganizationId == org.Organization.Id && m.UserId == userId, cancellationToken);
        if (member is null)
        {
            return new OrgResult<bool>(OrgOutcome.NotFound);
        }
        if (!leaving && member.OrgRoleId == BuiltInOrgRoles.OwnerId && !org.IsOwner)
        {
            return OrgResult<bool>.Refused(OrgOutcome.Forbidden, "Only an owner removes an owner.");
        }
        if (!leaving && await CurrentRoleBeyondCallerAsync(db, org, member, cancellationToken) is { } refusal)
        {
            return OrgResult<bool>.Refused(OrgOutcome.Forbidden, $"You cannot remove {refusal}.");
        }
        if (member.OrgRoleId == BuiltInOrgRoles.OwnerId && await WouldLoseLastOwnerAsync(db, org.Organization.Id, userId, cancellationToken))
        {
            return OrgResult<bool>.Refused(OrgOutcome.LastOwner, "An organization keeps at least one owner: make someone else an owner first, or delete the organization.");
        }
        db.OrgMembers.Remove(member);
        audit.Append(db, new AuditRecord(AuditActions.OrgMemberRemoved)
        {
            ActorUserId = actorUserId, TargetType = AuditTargets.User, TargetId = userId, OrganizationId = org.Organization.Id, Details = new { left = leaving },
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        AnnounceMembersChanged(org.Organization.Id);
        return OrgResult<bool>.Ok(true);
    }

    public async Task<OrgResult<IReadOnlyList<OrgRoleView>>> RolesAsync(OrgContext org, CancellationToken cancellationToken = default)
    {
        if (!org.Can(Permissions.OrgRead))
        {
            return OrgResult<IReadOnlyList<OrgRoleView>>.Refused(OrgOutcome.Forbidden, "Seeing roles needs org.read.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var counts = await db.OrgMembers.Where(m => m.OrganizationId == org.Organization.Id).GroupBy(m => m.OrgRoleId)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        var roles = await db.OrgRoles.AsNoTracking().Where(r => r.OrganizationId == null || r.OrganizationId == org.Organization.Id).ToListAsync(cancellationToken);
        return OrgResult<IReadOnlyList<OrgRoleView>>.Ok(roles
            .OrderBy(r => r.OrganizationId is null ? 0 : 1).ThenBy(r => BuiltInOrder(r.Id)).ThenBy(r => r.Name)
            .Select(r => ToView(r, counts.GetValueOrDefault(r.Id))).ToList());
    }

    /// <summary>Creates (roleId null) or replaces a custom role; its permissions must be organization permissions the caller holds here.</summary>
    public async Task<OrgResult<OrgRoleView>> SaveRoleAsync(OrgContext org, string actorUserId, string? roleId, OrgRoleRequest request, CancellationToken cancellationToken = default)
    {
        if (!org.Can(Permissions.OrgRolesManage))
        {
            return OrgResult<OrgRoleView>.Refused(OrgOutcome.Forbidden, "Managing roles needs org.roles.manage.");
        }
        var name = (request.Name ?? "").Trim();
        if (name.Length is 0 or > 64)
        {
            return OrgResult<OrgRoleView>.Invalid("name", "Name the role (at most 64 characters).");
        }
        var permissions = (request.Permissions ?? []).Select(p => (p ?? "").Trim()).Distinct().Order(StringComparer.Ordinal).ToList();
        if (permissions.FirstOrDefault(p => !Permissions.IsOrganizationPermission(p)) is { } unknown)
        {
            return OrgResult<OrgRoleView>.Invalid("permissions", $"{unknown} is not an organization permission.");
        }
        if (permissions.FirstOrDefault(p => !org.Can(p)) is { } beyond)
        {
            return OrgResult<OrgRoleView>.Invalid("permissions", $"You cannot give a role {beyond}: you do not hold it here.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (roleId is not null && BuiltInOrgRoles.IsBuiltIn(roleId))
        {
            return OrgResult<OrgRoleView>.Refused(OrgOutcome.Conflict, "Built-in roles cannot be changed.");
        }
        var role = roleId is null
            ? new OrgRole { Id = Secrets.NewId(), OrganizationId = org.Organization.Id }
            : await db.OrgRoles.FirstOrDefaultAsync(r => r.Id == roleId && r.OrganizationId == org.Organization.Id, cancellationToken);
        if (role is null)
        {
            return new OrgResult<OrgRoleView>(OrgOutcome.NotFound);
        }
        if (await db.OrgRoles.AnyAsync(r => r.Id != role.Id && (r.OrganizationId == null || r.OrganizationId == org.Organization.Id) && r.Name.ToLower() == name.ToLower(), cancellationToken))
        {
            return OrgResult<OrgRoleView>.Refused(OrgOutcome.Conflict, "Another role of this organization has this name.");
        }
        role.Name = name;
        role.GrantedPermissions = string.Join(' ', permissions);
        if (roleId is null)
        {
            db.OrgRoles.Add(role);
        }
        audit.Append(db, new AuditRecord(roleId is null ? AuditActions.OrgRoleCreated : AuditActions.OrgRoleChanged)
        {
            ActorUserId = actorUserId, TargetType = AuditTargets.OrgRole, TargetId = role.Id, OrganizationId = org.Organization.Id, Details = new { name, permissions },
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        AnnounceMembersChanged(org.Organization.Id);
        return OrgResult<OrgRoleView>.Ok(ToView(role, await db.OrgMembers.CountAsync(m => m.OrgRoleId == role.Id, cancellationToken)));
    }

    public async Task<OrgResult<bool>> DeleteRoleAsync(OrgContext org, string actorUserId, string roleId, CancellationToken cancellationToken = default)
    {
        if (!org.Can(Permissions.OrgRolesManage))
        {
            return OrgResult<bool>.Refused(OrgOutcome.Forbidden, "Managing roles needs org.roles.manage.");
        }
        if (BuiltInOrgRoles.IsBuiltIn(roleId))
        {
            return OrgResult<bool>.Refused(OrgOutcome.Conflict, "Built-in roles cannot be deleted.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var role = await db.OrgRoles.FirstOrDefaultAsync(r => r.Id == roleId && r.OrganizationId == org.Organization.Id, cancellationToken);
        if (role is null)
        {
            return new OrgResult<bool>(OrgOutcome.NotFound);
        }
        var now = time.GetUtcNow();
        if (await db.OrgMembers.AnyAsync(m => m.OrgRoleId == roleId, cancellationToken)
            || await db.Invitations.AnyAsync(i => i.OrgRoleId == roleId && i.AcceptedAt == null && i.CancelledAt == null && i.ExpiresAt > now, cancellationToken))
        {
            return OrgResult<bool>.Refused(OrgOutcome.Conflict, "Members or pending invitations still have this role: give them another one first.");
        }
        // Accepted, cancelled and expired invitations still name the role; they are history (the audit log keeps it), so
        // they go with it instead of blocking the deletion.
        await db.Invitations.Where(i => i.OrgRoleId == roleId && (i.AcceptedAt != null || i.CancelledAt != null || i.ExpiresAt <= now))
            .ExecuteDeleteAsync(cancellationToken);
        db.OrgRoles.Remove(role);
        audit.Append(db, new AuditRecord(AuditActions.OrgRoleDeleted)
        {
            ActorUserId = actorUserId, TargetType = AuditTargets.OrgRole, TargetId = roleId, OrganizationId = org.Organization.Id, Details = new { name = role.Name },
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return OrgResult<bool>.Ok(true);
    }

    /// <summary>
    /// Invites an address with a role: a single-use link valid for <see cref="InvitationLifetime"/>. The email reads the
    /// same whether or not the address has an account. Only an owner invites owners.
    /// </summary>
    public async Task<OrgResult<InvitationView>> InviteAsync(OrgContext org, string actorUserId, NewInvitation request, string baseUri, CancellationToken cancellationToken = default)
    {
        if (!org.Can(Permissions.OrgMembersManage))
        {
            return OrgResult<InvitationView>.Refused(OrgOutcome.Forbidden, "Inviting needs org.members.manage.");
        }
        var email = (request.Email ?? "").Trim();
        if (email.Length > 256 || !new System.ComponentModel.DataAnnotations.EmailAddressAttribute().IsValid(email))
        {
            return OrgResult<InvitationView>.Invalid("email", "Enter an email address such as name@example.com.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var role = await FindRoleAsync(db, org.Organization.Id, request.Role ?? "", cancellationToken);
        if (role is null)
        {
            return OrgResult<InvitationView>.Invalid("role", "No role of this organization has this name.");
        }
        if (role.Id == BuiltInOrgRoles.OwnerId && !org.IsOwner)
        {
            return OrgResult<InvitationView>.Refused(OrgOutcome.Forbidden, "Only an owner invites owners.");
        }
        if (GrantedBeyondCaller(org, role) is { } given)
        {
            return OrgResult<InvitationView>.Refused(OrgOutcome.Forbidden, $"You cannot invite someone as {role.Name}: it grants {given}, which you do not hold here.");
        }
        var normalized = email.ToUpperInvariant();
        if (await db.OrgMembers.AnyAsync(m => m.OrganizationId == org.Organization.Id && m.User!.NormalizedEmail == normalized, cancellationToken))
        {
            return OrgResult<InvitationView>.Refused(OrgOutcome.Conflict, "This person is already a member.");
        }
        var (token, invitation) = NewInvitationRow(org.Organization.Id, email, role.Id, actorUserId);
        db.Invitations.Add(invitation);
        audit.Append(db, new AuditRecord(AuditActions.InvitationSent)
        {
            ActorUserId = actorUserId, TargetType = AuditTargets.Invitation, TargetId = invitation.Id, OrganizationId = org.Organization.Id, Details = new { email, role = role.Name },
        });
        await db.SaveChangesAsync(cancellationToken);
        await SendInvitationAsync(org.Organization, email, token, baseUri, cancellationToken);
        return OrgResult<InvitationView>.Ok(new InvitationView(invitation.Id, email, role.Name, invitation.CreatedAt, invitation.ExpiresAt));
    }

    public async Task<OrgResult<IReadOnlyList<InvitationView>>> PendingInvitationsAsync(OrgContext org, CancellationToken cancellationToken = default)
    {
        if (!org.Can(Permissions.OrgMembersManage))
        {
            return OrgResult<IReadOnlyList<InvitationView>>.Refused(OrgOutcome.Forbidden, "Seeing invitations needs org.members.manage.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        // Expired ones are filtered and ordered by the database (timestamps are stored as UTC ticks, so SQLite compares them too).
        var pending = await (from invitation in db.Invitations.AsNoTracking()
                             join role in db.OrgRoles on invitation.OrgRoleId equals role.Id
                             where invitation.OrganizationId == org.Organization.Id && invitation.AcceptedAt == null && invitation.CancelledAt == null
                                   && invitation.ExpiresAt > now
                             orderby invitation.CreatedAt descending
                             select new InvitationView(invitation.Id, invitation.Email, role.Name, invitation.CreatedAt, invitation.ExpiresAt)).ToListAsync(cancellationToken);
        return OrgResult<IReadOnlyList<InvitationView>>.Ok(pending);
    }

    public async Task<OrgResult<bool>> CancelInvitationAsync(OrgContext org, string actorUserId, string invitationId, CancellationToken cancellationToken = default)
    {
        if (!org.Can(Permissions.OrgMembersManage))
        {
            return OrgResult<bool>.Refused(OrgOutcome.Forbidden, "Cancelling invitations needs org.members.manage.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var invitation = await db.Invitations.FirstOrDefaultAsync(i => i.Id == invitationId && i.OrganizationId == org.Organization.Id
            && i.AcceptedAt == null && i.CancelledAt == null, cancellationToken);
        if (invitation is null)
        {
            return new OrgResult<bool>(OrgOutcome.NotFound);
        }
        invitation.CancelledAt = time.GetUtcNow();
        audit.Append(db, new AuditRecord(AuditActions.InvitationCancelled)
        {
            ActorUserId = actorUserId, TargetType = AuditTargets.Invitation, TargetId = invitation.Id, OrganizationId = org.Organization.Id, Details = new { email = invitation.Email },
        });
        await db.SaveChangesAsync(cancellationToken);
        return OrgResult<bool>.Ok(true);
    }

    /// <summary>A fresh link (the old one stops working) and a fresh 7 days.</summary>
    public async Task<OrgResult<InvitationView>> ResendInvitationAsync(OrgContext org, string actorUserId, string invitationId, string baseUri, CancellationToken cancellationToken = default)
    {
        if (!org.Can(Permissions.OrgMembersManage))
        {
            return OrgResult<InvitationView>.Refused(OrgOutcome.Forbidden, "Resending invitations needs org.members.manage.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var invitation = await db.Invitations.FirstOrDefaultAsync(i => i.Id == invitationId && i.OrganizationId == org.Organization.Id
            && i.AcceptedAt == null && i.CancelledAt == null, cancellationToken);
        if (invitation is null)
        {
            return new OrgResult<InvitationView>(OrgOutcome.NotFound);
        }
        var token = NewToken();
        invitation.TokenHash = Secrets.Sha256Hex(token);
        invitation.ExpiresAt = time.GetUtcNow() + InvitationLifetime;
        audit.Append(db, new AuditRecord(AuditActions.InvitationSent)
        {
            ActorUserId = actorUserId, TargetType = AuditTargets.Invitation, TargetId = invitation.Id, OrganizationId = org.Organization.Id, Details = new { email = invitation.Email, resent = true },
        });
        await db.SaveChangesAsync(cancellationToken);
        await SendInvitationAsync(org.Organization, invitation.Email, token, baseUri, cancellationToken);
        var roleName = await db.OrgRoles.Where(r => r.Id == invitation.OrgRoleId).Select(r => r.Name).SingleAsync(cancellationToken);
        return OrgResult<InvitationView>.Ok(new InvitationView(invitation.Id, invitation.Email, roleName, invitation.CreatedAt, invitation.ExpiresAt));
    }

    /// <summary>
    /// Joins the signed-in user to the invitation's organization. The link works once (the row is claimed by a conditional
    /// update, so two acceptances at once join once), until it expires, and only for the account whose email it was sent to.
    /// Any failure answers the same, so a link reveals nothing about accounts or organizations.
    /// </summary>
    public async Task<OrgResult<MyOrg>> AcceptAsync(string userId, string token, CancellationToken cancellationToken = default)
    {
        const string Unusable = "This invitation link is not valid: it may have been used, cancelled or replaced, have expired, or be meant for another address.";
        if (string.IsNullOrEmpty(token) || !token.StartsWith(InvitationMarker, StringComparison.Ordinal))
        {
            return OrgResult<MyOrg>.Refused(OrgOutcome.NotFound, Unusable);
        }
        var hash = Secrets.Sha256Hex(token);
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var invitation = await db.Invitations.AsNoTracking().FirstOrDefaultAsync(i => i.TokenHash == hash, cancellationToken);
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, cancellationToken);
        var organization = invitation is null ? null
            : await db.Organizations.AsNoTracking().FirstOrDefaultAsync(o => o.Id == invitation.OrganizationId && o.DeletedAt == null, cancellationToken);
        if (invitation is null || user is null || organization is null || invitation.ExpiresAt <= now || invitation.CancelledAt is not null
            || user.NormalizedEmail != invitation.NormalizedEmail)
        {
            return OrgResult<MyOrg>.Refused(OrgOutcome.NotFound, Unusable);
        }
        var claimed = await db.Invitations.Where(i => i.Id == invitation.Id && i.AcceptedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.AcceptedAt, now).SetProperty(i => i.AcceptedByUserId, userId), cancellationToken);
        if (claimed == 0)
        {
            return OrgResult<MyOrg>.Refused(OrgOutcome.NotFound, Unusable);
        }
        var roleName = await db.OrgRoles.Where(r => r.Id == invitation.OrgRoleId).Select(r => r.Name).SingleAsync(cancellationToken);
        if (!await db.OrgMembers.AnyAsync(m => m.OrganizationId == organization.Id && m.UserId == userId, cancellationToken))
        {
            db.OrgMembers.Add(new OrgMember { OrganizationId = organization.Id, UserId = userId, OrgRoleId = invitation.OrgRoleId, JoinedAt = now });
            // The link came to this address: it is confirmed.
            if (!user.EmailConfirmed)
            {
                await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.EmailConfirmed, true), cancellationToken);
            }
            audit.Append(db, new AuditRecord(AuditActions.OrgMemberAdded)
            {
                ActorUserId = userId, TargetType = AuditTargets.User, TargetId = userId, OrganizationId = organization.Id, Details = new { role = roleName },
            });
        }
        audit.Append(db, new AuditRecord(AuditActions.InvitationAccepted)
        {
            ActorUserId = userId, TargetType = AuditTargets.Invitation, TargetId = invitation.Id, OrganizationId = organization.Id,
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        AnnounceMembersChanged(organization.Id);
        return OrgResult<MyOrg>.Ok(new MyOrg(organization.Id, organization.Slug, organization.Name, roleName));
    }

    /// <summary>What is wrong with a slug, or null when it is fine.</summary>
    public static string? SlugProblem(string? slug) =>
        SlugPattern().IsMatch((slug ?? "").Trim().ToLowerInvariant()) ? null : "2 to 48 letters, digits and dashes, starting and ending with a letter or digit (for example acme-labs).";

    /// <summary>A slug made from a name: lowercase letters and digits, other runs of characters become one dash.</summary>
    public static string SlugFrom(string name)
    {
        var slug = NonSlugCharacters().Replace(name.Normalize(System.Text.NormalizationForm.FormD).ToLowerInvariant(), "-").Trim('-');
        slug = slug.Length > 40 ? slug[..40].Trim('-') : slug;
        return slug.Length < 2 ? "org-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3)) : slug;
    }

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])$")]
    private static partial Regex SlugPattern();

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NonSlugCharacters();

    private static async Task<string> FreeSlugAsync(AppDbContext db, string wanted, CancellationToken cancellationToken)
    {
        var taken = await db.Organizations.Where(o => o.Slug == wanted || o.Slug.StartsWith(wanted + "-")).Select(o => o.Slug).ToListAsync(cancellationToken);
        if (!taken.Contains(wanted))
        {
            return wanted;
        }
        var n = 2;
        while (taken.Contains($"{wanted}-{n}"))
        {
            n++;
        }
        return $"{wanted}-{n}";
    }

    /// <summary>
    /// The permissions <paramref name="role"/> grants that the caller does not hold here ("a, b"), or null. Nobody hands
    /// out more than they hold, the rule <see cref="SaveRoleAsync"/> applies to a role's permissions: without it, holding
    /// org.members.manage alone would be enough to make oneself an Admin.
    /// </summary>
    private static string? GrantedBeyondCaller(OrgContext org, OrgRole role) =>
        org.Lacks(TokenScope.Parse(role.GrantedPermissions).Names) is { Count: > 0 } missing ? string.Join(", ", missing) : null;

    /// <summary>
    /// Why the caller may not act on <paramref name="member"/> ("a member whose role … grants …"), or null when they may:
    /// a member who holds something the caller lacks is out of the caller's reach, so managing members cannot demote or
    /// remove the administrators above.
    /// </summary>
    private static async Task<string?> CurrentRoleBeyondCallerAsync(AppDbContext db, OrgContext org, OrgMember member, CancellationToken cancellationToken)
    {
        var current = await db.OrgRoles.AsNoTracking().FirstAsync(r => r.Id == member.OrgRoleId, cancellationToken);
        return GrantedBeyondCaller(org, current) is { } held
            ? $"a member whose role ({current.Name}) grants {held}, which you do not hold here"
            : null;
    }

    private static async Task<OrgRole?> FindRoleAsync(AppDbContext db, string organizationId, string name, CancellationToken cancellationToken)
    {
        var lowered = name.Trim().ToLowerInvariant();
        return await db.OrgRoles.FirstOrDefaultAsync(r => (r.OrganizationId == null || r.OrganizationId == organizationId)
            && (r.Name.ToLower() == lowered || r.Id == name), cancellationToken);
    }

    /// <summary>
    /// Writes the organization's row first thing in a membership change, so changes to one organization's members run one
    /// at a time on every provider (SQLite's write lock; the row lock on PostgreSQL, where each statement then reads what
    /// the change before it committed): the member read next is current, and so is the owner count.
    /// </summary>
    private static Task QueueBehindOwnershipChangesAsync(AppDbContext db, string organizationId, CancellationToken cancellationToken) =>
        db.Organizations.Where(o => o.Id == organizationId)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.OwnershipStamp, Secrets.NewId()), cancellationToken);

    /// <summary>True when <paramref name="userId"/> is the organization's only owner (after <see cref="QueueBehindOwnershipChangesAsync"/>).</summary>
    private static async Task<bool> WouldLoseLastOwnerAsync(AppDbContext db, string organizationId, string userId, CancellationToken cancellationToken)
    {
        return !await db.OrgMembers.AnyAsync(m => m.OrganizationId == organizationId && m.OrgRoleId == BuiltInOrgRoles.OwnerId && m.UserId != userId, cancellationToken);
    }

    private (string Token, Invitation Row) NewInvitationRow(string organizationId, string email, string roleId, string invitedById)
    {
        var token = NewToken();
        var now = time.GetUtcNow();
        return (token, new Invitation
        {
            Id = Secrets.NewId(), OrganizationId = organizationId, Email = email, NormalizedEmail = email.ToUpperInvariant(), OrgRoleId = roleId,
            TokenHash = Secrets.Sha256Hex(token), CreatedAt = now, ExpiresAt = now + InvitationLifetime, InvitedById = invitedById,
        });
    }

    private static string NewToken() => InvitationMarker + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    private async Task SendInvitationAsync(Organization organization, string email, string token, string baseUri, CancellationToken cancellationToken) =>
        await mail.SendAsync(AccountEmails.Compose(email, $"You are invited to {organization.Name} on AuthPortal",
            $"You are invited to join {organization.Name}. Open the link, then sign in or create an account with this email address. The link works once and expires in 7 days.",
            "Join " + organization.Name, QueryHelpers.AddQueryString(new Uri(new Uri(baseUri), InvitationPage.Route.TrimStart('/')).ToString(), "token", token),
            "If you did not expect this, ignore this message."), cancellationToken);

    private static int BuiltInOrder(string id) => id switch { BuiltInOrgRoles.OwnerId => 0, BuiltInOrgRoles.AdminId => 1, BuiltInOrgRoles.MemberId => 2, BuiltInOrgRoles.ViewerId => 3, _ => 4 };

    private static OrgRoleView ToView(OrgRole role, int members) =>
        new(role.Id, role.Name, role.GrantedPermissions.Split(' ', StringSplitOptions.RemoveEmptyEntries), role.OrganizationId is null, members);

    private static async Task<bool> TrySaveAsync(AppDbContext db, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException exception) when (UniqueViolation.Is(exception))
        {
            return false;
        }
    }
}

/// <summary>Where an invitation link lands (a page that signs the invitee in or up, then accepts).</summary>
public static class InvitationPage
{
    public const string Route = "/invitations/accept";
}
