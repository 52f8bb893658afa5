using System.Text.RegularExpressions;
using AuthPortal.Data;
using AuthPortal.Features.ApiKeys;
using AuthPortal.Features.Audit;
using AuthPortal.Features.Roles;
using AuthPortal.Features.Sessions;
using AuthPortal.Infrastructure.Api;
using AuthPortal.Infrastructure.Database;
using AuthPortal.Infrastructure.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AuthPortal.Features.ServiceAccounts;

public sealed record ServiceAccountRow(string Id, string Name, string? Description, IReadOnlyList<string> Roles, DateTimeOffset CreatedAt,
    DateTimeOffset? DisabledAt, int ActiveKeys, DateTimeOffset? LastUsedAt);

public sealed record ServiceAccountDetails(string Id, string Name, string? Description, IReadOnlyList<string> Roles, IReadOnlyList<string> Permissions,
    DateTimeOffset CreatedAt, DateTimeOffset? DisabledAt);

public sealed record NewServiceAccount(string Name, string? Description, IReadOnlyList<string>? Roles);

/// <summary>A change to a service account; a null field is left as it is.</summary>
public sealed record ServiceAccountChange(string? Name, string? Description, IReadOnlyList<string>? Roles, bool? Disabled);

/// <summary>A role an administrator may give, with what it grants.</summary>
public sealed record AssignableRole(string Name, string Description, IReadOnlyList<string> Permissions);

public enum ServiceAccountOutcome { Done, NotFound, NameTaken, Invalid, Disabled, QuotaReached }

/// <summary>
/// Service accounts: users with <see cref="AppUser.IsServiceAccount"/> set, for machines rather than people. They have no
/// password or email and never sign in to the UI; they hold roles and act through API keys that an administrator
/// creates for them. Nobody hands out more than they hold: an administrator gives a service account only roles whose
/// permissions they hold themselves, and its keys only scopes they hold. Disabling or deleting one stops its keys and
/// tokens at once.
/// </summary>
public sealed partial class ServiceAccountAdministration(
    IDbContextFactory<AppDbContext> dbFactory,
    ILookupNormalizer normalizer,
    UserPermissions permissions,
    RoleGraph graph,
    RoleAdministration roleAdministration,
    ApiKeyStore apiKeys,
    SessionStore sessions,
    AuditLog audit,
    TimeProvider time)
{
    public const int NameMaxLength = 64;
    public const int DescriptionMaxLength = 200;

    public async Task<Paged<ServiceAccountRow>> SearchAsync(string? search, int page, int pageSize, CancellationToken cancellationToken = default)
    {
        (page, pageSize) = Paged<ServiceAccountRow>.Clamp(page, pageSize);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.Users.AsNoTracking().Where(u => u.IsServiceAccount);
        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = search.Trim().ToUpperInvariant();
            query = query.Where(u => u.NormalizedUserName!.Contains(term) || (u.Description != null && u.Description.ToUpper().Contains(term)));
        }
        var total = await query.CountAsync(cancellationToken);
        var now = time.GetUtcNow();
        var rows = await query.OrderBy(u => u.NormalizedUserName).Skip((page - 1) * pageSize).Take(pageSize)
            .Select(u => new
            {
                u.Id, u.UserName, u.Description, u.CreatedAt, u.DisabledAt,
                ActiveKeys = db.ApiKeys.Count(k => k.UserId == u.Id && k.RevokedAt == null && (k.ExpiresAt == null || k.ExpiresAt > now)),
                LastUsedAt = db.ApiKeys.Where(k => k.UserId == u.Id).Max(k => k.LastUsedAt),
            })
            .ToListAsync(cancellationToken);
        var ids = rows.Select(r => r.Id).ToList();
        var roles = await RoleNamesAsync(db, ids, cancellationToken);
        var items = rows.Select(r => new ServiceAccountRow(r.Id, r.UserName ?? "", r.Description, roles.GetValueOrDefault(r.Id) ?? [], r.CreatedAt,
            r.DisabledAt, r.ActiveKeys, r.LastUsedAt)).ToList();
        return new Paged<ServiceAccountRow>(items, page, pageSize, total);
    }

    public async Task<ServiceAccountDetails?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var account = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id && u.IsServiceAccount, cancellationToken);
        if (account is null)
        {
            return null;
        }
        var roles = (await RoleNamesAsync(db, [id], cancellationToken)).GetValueOrDefault(id) ?? [];
        var held = await permissions.GetAsync(id, cancellationToken);
        return new ServiceAccountDetails(account.Id, account.UserName ?? "", account.Description, roles, held.Order(StringComparer.Ordinal).ToList(),
            account.CreatedAt, account.DisabledAt);
    }

    /// <summary>Every role, each marked by whether <paramref name="actorUserId"/> may give it (holds all it grants).</summary>
    public async Task<IReadOnlyList<(AssignableRole Role, bool Allowed)>> RolesForAsync(string actorUserId, CancellationToken cancellationToken = default)
    {
        var snapshot = await graph.GetFreshAsync(cancellationToken);
        var held = await permissions.GetAsync(actorUserId, cancellationToken);
        return snapshot.Roles
            .Select(r => (Role: r, Effective: snapshot.EffectiveOf(r.Id).Order(StringComparer.Ordinal).ToList()))
            .Select(r => (new AssignableRole(r.Role.Name, r.Role.Description, r.Effective), r.Effective.All(held.Contains))).ToList();
    }

    public async Task<(ServiceAccountDetails? Account, ServiceAccountOutcome Outcome, IReadOnlyList<(string Field, string Message)> Errors)> CreateAsync(
        string actorUserId, NewServiceAccount request, string? actorScope = null, CancellationToken cancellationToken = default)
    {
        var errors = new List<(string, string)>();
        var name = (request.Name ?? "").Trim();
        if (NameProblem(name) is { } nameProblem)
        {
            errors.Add(("name", nameProblem));
        }
        var description = NormalizedDescription(request.Description, errors);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var (roles, roleErrors) = await roleAdministration.AssignableAsync(actorUserId, request.Roles ?? [], actorScope, cancellationToken);
        errors.AddRange(roleErrors);
        if (errors.Count > 0)
        {
            return (null, ServiceAccountOutcome.Invalid, errors);
        }
        var account = new AppUser
        {
            Id = Secrets.NewId(), UserName = name, NormalizedUserName = normalizer.NormalizeName(name), DisplayName = name, Description = description,
            IsServiceAccount = true, CreatedAt = time.GetUtcNow(), SecurityStamp = Secrets.NewId(), LockoutEnabled = false,
        };
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (await db.Users.AnyAsync(u => u.NormalizedUserName == account.NormalizedUserName, cancellationToken))
        {
            return (null, ServiceAccountOutcome.NameTaken, [("name", "A user or service account already has this name.")]);
        }
        db.Users.Add(account);
        foreach (var role in roles)
        {
            db.UserRoles.Add(new IdentityUserRole<string> { UserId = account.Id, RoleId = role.Id });
        }
        audit.Append(db, new AuditRecord(AuditActions.UserCreated)
        {
            ActorUserId = actorUserId, TargetType = AuditTargets.ServiceAccount, TargetId = account.Id,
            Details = new { name, serviceAccount = true, roles = roles.Select(r => r.Name).ToList() },
        });
        if (!await TrySaveAsync(db, cancellationToken))
        {
            return (null, ServiceAccountOutcome.NameTaken, [("name", "A user or service account already has this name.")]);
        }
        await transaction.CommitAsync(cancellationToken);
        return (await GetAsync(account.Id, cancellationToken), ServiceAccountOutcome.Done, []);
    }

    /// <summary>Renames, describes, re-roles, disables or enables a service account, all in one transaction.</summary>
    public async Task<(ServiceAccountDetails? Account, ServiceAccountOutcome Outcome, IReadOnlyList<(string Field, string Message)> Errors)> UpdateAsync(
        string actorUserId, string id, ServiceAccountChange change, string? actorScope = null, CancellationToken cancellationToken = default)
    {
        var errors = new List<(string, string)>();
        var name = change.Name?.Trim();
        if (name is not null && NameProblem(name) is { } nameProblem)
        {
            errors.Add(("name", nameProblem));
        }
        var description = change.Description is null ? null : NormalizedDescription(change.Description, errors);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var account = await db.Users.FirstOrDefaultAsync(u => u.Id == id && u.IsServiceAccount, cancellationToken);
        if (account is null)
        {
            return (null, ServiceAccountOutcome.NotFound, []);
        }
        var currentRoles = await db.UserRoles.Where(ur => ur.UserId == id).ToListAsync(cancellationToken);
        IReadOnlyList<RoleNode>? roles = null;
        if (change.Roles is not null)
        {
            (roles, var roleErrors) = await roleAdministration.AssignableAsync(actorUserId, change.Roles, actorScope, cancellationToken);
            errors.AddRange(roleErrors);
            // Taking a role away is as much a grant decision as giving one: only someone who could give it may remove it.
            var snapshot = await graph.GetFreshAsync(cancellationToken);
            var held = await permissions.GetWithinScopeAsync(actorUserId, actorScope, cancellationToken);
            var removed = snapshot.Roles.Where(r => currentRoles.Any(ur => ur.RoleId == r.Id) && roles.All(kept => kept.Id != r.Id));
            foreach (var role in removed.Where(r => !snapshot.EffectiveOf(r.Id).All(held.Contains)))
            {
                errors.Add(("roles", $"You cannot take away {role.Name}: it grants permissions you do not hold."));
            }
        }
        if (errors.Count > 0)
        {
            return (null, ServiceAccountOutcome.Invalid, errors);
        }

        var changed = new Dictionary<string, object?>();
        if (name is not null && name != account.UserName)
        {
            account.UserName = name;
            account.NormalizedUserName = normalizer.NormalizeName(name);
            account.DisplayName = name;
            changed["name"] = name;
        }
        if (change.Description is not null && description != account.Description)
        {
            account.Description = description;
            changed["description"] = description;
        }
        if (roles is not null)
        {
            var wanted = roles.Select(r => r.Id).ToHashSet();
            db.UserRoles.RemoveRange(currentRoles.Where(ur => !wanted.Contains(ur.RoleId)));
            foreach (var role in roles.Where(r => currentRoles.All(ur => ur.RoleId != r.Id)))
            {
                db.UserRoles.Add(new IdentityUserRole<string> { UserId = id, RoleId = role.Id });
            }
            if (!wanted.SetEquals(currentRoles.Select(ur => ur.RoleId)))
            {
                changed["roles"] = roles.Select(r => r.Name).Order().ToList();
            }
        }
        var disabledNow = change.Disabled == true && account.DisabledAt is null;
        if (disabledNow)
        {
            account.DisabledAt = time.GetUtcNow();
        }
        else if (change.Disabled == false && account.DisabledAt is not null)
        {
            account.DisabledAt = null;
        }
        if (changed.Count > 0)
        {
            audit.Append(db, new AuditRecord(AuditActions.UserUpdated)
            {
                ActorUserId = actorUserId, TargetType = AuditTargets.ServiceAccount, TargetId = id, Details = changed,
            });
        }
        if (change.Disabled is { } disabled && db.Entry(account).Property(u => u.DisabledAt).IsModified)
        {
            audit.Append(db, new AuditRecord(disabled ? AuditActions.UserDisabled : AuditActions.UserEnabled)
            {
                ActorUserId = actorUserId, TargetType = AuditTargets.ServiceAccount, TargetId = id,
            });
        }
        if (!await TrySaveAsync(db, cancellationToken))
        {
            return (null, ServiceAccountOutcome.NameTaken, [("name", "A user or service account already has this name.")]);
        }
        await transaction.CommitAsync(cancellationToken);
        await AfterOwnerChangedAsync(id, disabledNow ? new Revocation(RevocationReasons.DisabledByAdmin, actorUserId) : null, cancellationToken);
        return (await GetAsync(id, cancellationToken), ServiceAccountOutcome.Done, []);
    }

    /// <summary>Deletes a service account with its keys and tokens; false when there is none with this id.</summary>
    public async Task<bool> DeleteAsync(string actorUserId, string id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var account = await db.Users.FirstOrDefaultAsync(u => u.Id == id && u.IsServiceAccount, cancellationToken);
        if (account is null)
        {
            return false;
        }
        // Sessions first, so open tokens hear of it on every instance's bus before the rows go.
        await sessions.RevokeAllAsync(id, new Revocation(RevocationReasons.RevokedByAdmin, actorUserId), cancellationToken: cancellationToken);
        db.Users.Remove(account); // keys, their usage, sessions and role links go with it (cascades)
        audit.Append(db, new AuditRecord(AuditActions.AccountDeleted)
        {
            ActorUserId = actorUserId, TargetType = AuditTargets.ServiceAccount, TargetId = id, Details = new { name = account.UserName, serviceAccount = true },
        });
        await db.SaveChangesAsync(cancellationToken);
        await AfterOwnerChangedAsync(id, null, cancellationToken);
        return true;
    }

    public async Task<IReadOnlyList<ApiKeyView>?> ListKeysAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Users.AnyAsync(u => u.Id == id && u.IsServiceAccount, cancellationToken) ? await apiKeys.ListAsync(id, cancellationToken) : null;
    }

    /// <summary>
    /// The scopes <paramref name="actorUserId"/> may put in a key of this service account: what both hold, within the scope
    /// of the token the actor called with (<paramref name="actorScope"/>; null for a cookie).
    /// </summary>
    public async Task<IReadOnlySet<string>> GrantableScopesAsync(string actorUserId, string id, string? actorScope = null, CancellationToken cancellationToken = default)
    {
        var actor = await permissions.GetWithinScopeAsync(actorUserId, actorScope, cancellationToken);
        var account = await permissions.GetAsync(id, cancellationToken);
        return account.Where(actor.Contains).ToHashSet(StringComparer.Ordinal);
    }

    public async Task<(CreatedApiKey? Key, ServiceAccountOutcome Outcome, IReadOnlyList<(string Field, string Message)> Errors)> CreateKeyAsync(
        string actorUserId, string id, ApiKeyRequest request, string? actorScope = null, CancellationToken cancellationToken = default)
    {
        if (await GetAsync(id, cancellationToken) is not { } account)
        {
            return (null, ServiceAccountOutcome.NotFound, []);
        }
        if (account.DisabledAt is not null)
        {
            return (null, ServiceAccountOutcome.Disabled, []);
        }
        var grantable = await GrantableScopesAsync(actorUserId, id, actorScope, cancellationToken);
        var scopes = request.Scopes ?? [];
        if (scopes.Any(s => !grantable.Contains(s)))
        {
            return (null, ServiceAccountOutcome.Invalid, [("scopes", "Choose among the permissions both you and the service account hold: " +
                (grantable.Count == 0 ? "there are none; give it a role first." : string.Join(", ", grantable.Order()) + "."))]);
        }
        var (created, errors, quotaReached) = await apiKeys.CreateAsync(id, request, actorUserId, cancellationToken: cancellationToken);
        return created is not null ? (created, ServiceAccountOutcome.Done, [])
            : quotaReached ? (null, ServiceAccountOutcome.QuotaReached, [])
            : (null, ServiceAccountOutcome.Invalid, errors);
    }

    /// <summary>What is wrong with a service-account name, or null when it is fine.</summary>
    public static string? NameProblem(string? name) =>
        NamePattern().IsMatch(name ?? "")
            ? null
            : $"Use 2 to {NameMaxLength} letters, digits, dots, dashes or underscores, starting and ending with a letter or digit (for example ci-deploy).";

    [GeneratedRegex(@"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])$")]
    private static partial Regex NamePattern();

    private static string? NormalizedDescription(string? description, List<(string, string)> errors)
    {
        var trimmed = description?.Trim();
        if (trimmed?.Length > DescriptionMaxLength)
        {
            errors.Add(("description", $"At most {DescriptionMaxLength} characters."));
        }
        return string.IsNullOrEmpty(trimmed) ? null : trimmed;
    }

    private static async Task<Dictionary<string, IReadOnlyList<string>>> RoleNamesAsync(AppDbContext db, IReadOnlyList<string> userIds, CancellationToken cancellationToken)
    {
        var pairs = await (from userRole in db.UserRoles
                           join role in db.Roles on userRole.RoleId equals role.Id
                           where userIds.Contains(userRole.UserId)
                           select new { userRole.UserId, role.Name }).ToListAsync(cancellationToken);
        return pairs.GroupBy(p => p.UserId).ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(p => p.Name!).Order().ToList());
    }

    /// <summary>Its cached permissions and keys are checked afresh; a disabled account's tokens end at once.</summary>
    private async Task AfterOwnerChangedAsync(string id, Revocation? endSessions, CancellationToken cancellationToken)
    {
        permissions.Forget(id);
        apiKeys.ForgetOwner(id);
        if (endSessions is not null)
        {
            await sessions.RevokeAllAsync(id, endSessions, cancellationToken: cancellationToken);
        }
    }

    private static async Task<bool> TrySaveAsync(AppDbContext db, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException exception) when (UniqueViolation.Is(exception))
        {
            // The unique user-name index caught a concurrent create or rename with the same name.
            return false;
        }
    }
}
