using AuthPortal.Data;
using AuthPortal.Features.Audit;
using AuthPortal.Infrastructure.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AuthPortal.Features.Roles;

/// <summary>A role as lists and the API show it: its own grants, the roles it includes, and what that adds up to.</summary>
public sealed record RoleView(string Id, string Name, string Description, bool IsBuiltIn, IReadOnlyList<string> Permissions,
    IReadOnlyList<string> Includes, IReadOnlyList<string> EffectivePermissions, int UserCount);

/// <summary>A role to create, or what to replace a role's definition with (PUT).</summary>
public sealed record RoleRequest(string Name, string? Description, IReadOnlyList<string>? Permissions, IReadOnlyList<string>? Includes);

public enum RoleOutcome { Done, NotFound, Invalid, NameTaken, BuiltIn, LastAdministrator, Forbidden }

public sealed record RoleResult(RoleOutcome Outcome, RoleView? Role = null, IReadOnlyList<(string Field, string Message)>? Errors = null, string? Detail = null)
{
    public IReadOnlyList<(string Field, string Message)> FieldErrors => Errors ?? [];
}

/// <summary>
/// System roles and who holds them. The caller (page or API) has checked <c>roles.manage</c>; this class enforces what
/// holds whoever asks: the built-in Administrator is neither edited nor deleted and always keeps a usable holder;
/// inclusions never form a cycle; and nobody hands out more than they hold (a role's permissions, and the roles given to
/// a user, must be within the actor's own). Every change is audited in the transaction that makes it.
/// </summary>
public sealed class RoleAdministration(IDbContextFactory<AppDbContext> dbFactory, RoleGraph graph, UserPermissions permissions,
    ILookupNormalizer normalizer, AuditLog audit, TimeProvider time)
{
    public const int NameMaxLength = 64;
    public const int DescriptionMaxLength = 256;

    public async Task<IReadOnlyList<RoleView>> ListAsync(CancellationToken cancellationToken = default)
    {
        var snapshot = await graph.GetAsync(cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var counts = await db.UserRoles.AsNoTracking().GroupBy(ur => ur.RoleId).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        return snapshot.Roles.Select(r => ToView(snapshot, r, counts.GetValueOrDefault(r.Id))).ToList();
    }

    public async Task<RoleView?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var snapshot = await graph.GetFreshAsync(cancellationToken);
        if (!snapshot.ById.TryGetValue(id, out var role))
        {
            return null;
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return ToView(snapshot, role, await db.UserRoles.CountAsync(ur => ur.RoleId == id, cancellationToken));
    }

    public Task<RoleResult> CreateAsync(string actorUserId, RoleRequest request, string? actorScope = null, CancellationToken cancellationToken = default) =>
        SaveAsync(actorUserId, actorScope, null, request, cancellationToken);

    /// <summary>Replaces a custom role's name, description, permissions and included roles.</summary>
    public Task<RoleResult> UpdateAsync(string actorUserId, string id, RoleRequest request, string? actorScope = null, CancellationToken cancellationToken = default) =>
        SaveAsync(actorUserId, actorScope, id, request, cancellationToken);

    /// <summary>Deletes a custom role: only by someone who holds everything it grants, since it is taken from all its holders at once.</summary>
    public async Task<RoleResult> DeleteAsync(string actorUserId, string id, string? actorScope = null, CancellationToken cancellationToken = default)
    {
        var snapshot = await graph.GetFreshAsync(cancellationToken);
        var held = await permissions.GetWithinScopeAsync(actorUserId, actorScope, cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var role = await db.Roles.FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (role is null)
        {
            return new RoleResult(RoleOutcome.NotFound);
        }
        if (role.IsBuiltIn)
        {
            return new RoleResult(RoleOutcome.BuiltIn, Detail: $"{role.Name} is built in: it cannot be deleted.");
        }
        if (Beyond(snapshot, id, held) is { Count: > 0 } beyondDelete)
        {
            return new RoleResult(RoleOutcome.Forbidden, Detail: $"You cannot delete {role.Name}: it grants {string.Join(", ", beyondDelete)}, which you do not hold.");
        }
        var holders = await db.UserRoles.CountAsync(ur => ur.RoleId == id, cancellationToken);
        db.Roles.Remove(role); // its grants, inclusions (both ways) and assignments go with it
        audit.Append(db, new AuditRecord(AuditActions.RoleDeleted)
        {
            ActorUserId = actorUserId, TargetType = AuditTargets.Role, TargetId = id, Details = new { name = role.Name, holders },
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new RoleResult(RoleOutcome.Done);
    }

    /// <summary>
    /// Replaces a user's (or service account's) roles. Refused when it would take Administrator from the last usable
    /// administrator, or give or take a role granting what the actor does not hold.
    /// </summary>
    public async Task<RoleResult> SetUserRolesAsync(string actorUserId, string userId, IReadOnlyList<string> roleNames, string? actorScope = null, CancellationToken cancellationToken = default)
    {
        var snapshot = await graph.GetFreshAsync(cancellationToken);
        var errors = new List<(string, string)>();
        var wanted = ResolveRoles(snapshot, roleNames, "roles", errors);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (!await db.Users.AnyAsync(u => u.Id == userId, cancellationToken))
        {
            return new RoleResult(RoleOutcome.NotFound);
        }
        var current = await db.UserRoles.Where(ur => ur.UserId == userId).ToListAsync(cancellationToken);
        var added = wanted.Where(r => current.All(ur => ur.RoleId != r.Id)).ToList();
        var removed = current.Where(ur => wanted.All(r => r.Id != ur.RoleId)).ToList();
        var held = await permissions.GetWithinScopeAsync(actorUserId, actorScope, cancellationToken);
        foreach (var roleId in added.Select(r => r.Id).Concat(removed.Select(ur => ur.RoleId)))
        {
            var beyond = Beyond(snapshot, roleId, held);
            if (beyond.Count > 0 && snapshot.ById.TryGetValue(roleId, out var role))
            {
                errors.Add(("roles", $"You cannot give or take {role.Name}: it grants {string.Join(", ", beyond)}, which you do not hold."));
            }
        }
        if (errors.Count > 0)
        {
            return new RoleResult(RoleOutcome.Invalid, Errors: errors);
        }
        if (added.Count == 0 && removed.Count == 0)
        {
            return new RoleResult(RoleOutcome.Done);
        }
        var administrator = snapshot.ByName(SystemRoles.Administrator);
        if (administrator is not null && removed.Any(ur => ur.RoleId == administrator.Id)
            && await SystemRoles.WouldRemoveLastAdministratorAsync(db, userId, time.GetUtcNow(), cancellationToken))
        {
            return new RoleResult(RoleOutcome.LastAdministrator, Detail: "This is the last administrator who can sign in: make someone else an administrator first.");
        }
        db.UserRoles.RemoveRange(removed);
        db.UserRoles.AddRange(added.Select(r => new IdentityUserRole<string> { UserId = userId, RoleId = r.Id }));
        foreach (var role in added)
        {
            audit.Append(db, new AuditRecord(AuditActions.RoleAssigned)
            {
                ActorUserId = actorUserId, TargetType = AuditTargets.User, TargetId = userId, Details = new { role = role.Name },
            });
        }
        foreach (var link in removed)
        {
            audit.Append(db, new AuditRecord(AuditActions.RoleRemoved)
            {
                ActorUserId = actorUserId, TargetType = AuditTargets.User, TargetId = userId,
                Details = new { role = snapshot.ById.TryGetValue(link.RoleId, out var role) ? role.Name : link.RoleId },
            });
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new RoleResult(RoleOutcome.Done);
    }

    /// <summary>The roles named, when each exists and <paramref name="actorUserId"/> may give it; otherwise field errors under <c>roles</c>.</summary>
    public async Task<(IReadOnlyList<RoleNode> Roles, IReadOnlyList<(string Field, string Message)> Errors)> AssignableAsync(
        string actorUserId, IReadOnlyList<string> roleNames, string? actorScope = null, CancellationToken cancellationToken = default)
    {
        var snapshot = await graph.GetFreshAsync(cancellationToken);
        var errors = new List<(string, string)>();
        var roles = ResolveRoles(snapshot, roleNames, "roles", errors);
        var held = await permissions.GetWithinScopeAsync(actorUserId, actorScope, cancellationToken);
        foreach (var role in roles)
        {
            var beyond = Beyond(snapshot, role.Id, held);
            if (beyond.Count > 0)
            {
                errors.Add(("roles", $"You cannot give {role.Name}: it grants {string.Join(", ", beyond)}, which you do not hold."));
            }
        }
        return (roles, errors);
    }

    /// <summary>What role <paramref name="roleId"/> grants (directly and through inclusions) that is not in <paramref name="held"/>.</summary>
    private static List<string> Beyond(RoleSnapshot snapshot, string roleId, IReadOnlySet<string> held) =>
        snapshot.EffectiveOf(roleId).Where(p => !held.Contains(p)).Order(StringComparer.Ordinal).ToList();

    private async Task<RoleResult> SaveAsync(string actorUserId, string? actorScope, string? id, RoleRequest request, CancellationToken cancellationToken)
    {
        var snapshot = await graph.GetFreshAsync(cancellationToken);
        var errors = new List<(string, string)>();
        var name = (request.Name ?? "").Trim();
        if (name.Length is 0 or > NameMaxLength)
        {
            errors.Add(("name", $"Name the role (at most {NameMaxLength} characters)."));
        }
        var description = (request.Description ?? "").Trim();
        if (description.Length > DescriptionMaxLength)
        {
            errors.Add(("description", $"At most {DescriptionMaxLength} characters."));
        }
        var grants = (request.Permissions ?? []).Select(p => (p ?? "").Trim()).Distinct(StringComparer.Ordinal).ToList();
        var unknown = grants.Where(g => !Permissions.IsSystemGrant(g)).ToList();
        if (unknown.Count > 0)
        {
            errors.Add(("permissions", $"Not system permissions or area wildcards: {string.Join(", ", unknown)}."));
        }
        var included = ResolveRoles(snapshot, request.Includes ?? [], "includes", errors);
        if (included.Any(r => r.IsBuiltIn && r.Name == SystemRoles.Administrator))
        {
            errors.Add(("includes", "A role cannot include Administrator: give people Administrator itself, so the last-administrator rule sees them."));
        }
        if (id is not null && snapshot.WouldCycle(id, included.Select(r => r.Id)))
        {
            errors.Add(("includes", "These inclusions would make the role include itself."));
        }
        // The role may not grant more than its maker holds, before (it is taken from its holders) or after the change.
        var held = await permissions.GetWithinScopeAsync(actorUserId, actorScope, cancellationToken);
        if (id is not null && snapshot.ById.TryGetValue(id, out var before) && !before.IsBuiltIn && Beyond(snapshot, id, held) is { Count: > 0 } beyondBefore)
        {
            return new RoleResult(RoleOutcome.Forbidden, Detail: $"You cannot change {before.Name}: it grants {string.Join(", ", beyondBefore)}, which you do not hold.");
        }
        var resulting = grants.Where(g => unknown.Count == 0).SelectMany(Permissions.Expand).Concat(included.SelectMany(r => snapshot.EffectiveOf(r.Id)));
        var beyond = resulting.Where(p => !held.Contains(p)).Distinct().Order(StringComparer.Ordinal).ToList();
        if (beyond.Count > 0)
        {
            errors.Add(("permissions", $"You cannot give a role {string.Join(", ", beyond)}: you do not hold it."));
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var role = id is null ? new AppRole() { Id = Secrets.NewId() } : await db.Roles.FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (role is null)
        {
            return new RoleResult(RoleOutcome.NotFound);
        }
        if (role.IsBuiltIn)
        {
            return new RoleResult(RoleOutcome.BuiltIn, Detail: $"{role.Name} is built in: it cannot be edited.");
        }
        if (errors.Count > 0)
        {
            return new RoleResult(RoleOutcome.Invalid, Errors: errors);
        }
        var normalized = normalizer.NormalizeName(name);
        if (await db.Roles.AnyAsync(r => r.NormalizedName == normalized && r.Id != role.Id, cancellationToken))
        {
            return new RoleResult(RoleOutcome.NameTaken, Errors: [("name", "Another role has this name.")]);
        }
        role.Name = name;
        role.NormalizedName = normalized;
        role.Description = description;
        role.ConcurrencyStamp = Guid.NewGuid().ToString();
        if (id is null)
        {
            db.Roles.Add(role);
        }
        var claims = await db.RoleClaims.Where(c => c.RoleId == role.Id && c.ClaimType == Permissions.ClaimType).ToListAsync(cancellationToken);
        db.RoleClaims.RemoveRange(claims.Where(c => !grants.Contains(c.ClaimValue!)));
        db.RoleClaims.AddRange(grants.Where(g => claims.All(c => c.ClaimValue != g))
            .Select(g => new IdentityRoleClaim<string> { RoleId = role.Id, ClaimType = Permissions.ClaimType, ClaimValue = g }));
        var inclusions = await db.RoleInclusions.Where(i => i.RoleId == role.Id).ToListAsync(cancellationToken);
        db.RoleInclusions.RemoveRange(inclusions.Where(i => included.All(r => r.Id != i.IncludedRoleId)));
        db.RoleInclusions.AddRange(included.Where(r => inclusions.All(i => i.IncludedRoleId != r.Id))
            .Select(r => new RoleInclusion { RoleId = role.Id, IncludedRoleId = r.Id }));
        audit.Append(db, new AuditRecord(id is null ? AuditActions.RoleCreated : AuditActions.RoleChanged)
        {
            ActorUserId = actorUserId, TargetType = AuditTargets.Role, TargetId = role.Id,
            Details = new { name, permissions = grants, includes = included.Select(r => r.Name).ToList() },
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new RoleResult(RoleOutcome.Done, await GetAsync(role.Id, cancellationToken));
    }

    private static List<RoleNode> ResolveRoles(RoleSnapshot snapshot, IReadOnlyList<string> names, string field, List<(string, string)> errors)
    {
        var roles = new List<RoleNode>();
        var unknown = new List<string>();
        foreach (var name in names.Select(n => (n ?? "").Trim()).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (snapshot.ByName(name) is { } role)
            {
                roles.Add(role);
            }
            else
            {
                unknown.Add(name);
            }
        }
        if (unknown.Count > 0)
        {
            errors.Add((field, $"No role is named {string.Join(", ", unknown)}."));
        }
        return roles;
    }

    private static RoleView ToView(RoleSnapshot snapshot, RoleNode role, int userCount) =>
        new(role.Id, role.Name, role.Description, role.IsBuiltIn,
            role.IsBuiltIn && role.Name == SystemRoles.Administrator ? Permissions.System.Select(p => p.Name).ToList() : role.Grants,
            role.IncludedRoleIds.Select(i => snapshot.ById.TryGetValue(i, out var r) ? r.Name : i).Order().ToList(),
            snapshot.EffectiveOf(role.Id).Order(StringComparer.Ordinal).ToList(), userCount);
}
