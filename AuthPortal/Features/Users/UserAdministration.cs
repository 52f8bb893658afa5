using AuthPortal.Data;
using AuthPortal.Features.ApiKeys;
using AuthPortal.Features.Audit;
using AuthPortal.Features.Roles;
using AuthPortal.Features.Sessions;
using AuthPortal.Features.SignIn;
using AuthPortal.Infrastructure.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AuthPortal.Features.Users;

public sealed record UserChange(string? DisplayName, string? TimeZone);

public sealed record NewUser(string Email, string? DisplayName, IReadOnlyList<string>? Roles);

public sealed record UserDetails(string Id, string Email, string DisplayName, bool EmailConfirmed, bool TwoFactorEnabled,
    DateTimeOffset CreatedAt, DateTimeOffset? LastSignInAt, DateTimeOffset? LockoutEnd, DateTimeOffset? DisabledAt, IReadOnlyList<string> Roles, bool IsServiceAccount, string TimeZone);

/// <summary>
/// What an administrator does to someone else's account. The caller (page or API) has already checked the
/// permission; this class enforces the rules that hold whoever asks (no disabling or locking yourself).
/// Disabling or locking ends every session of the user at once.
/// </summary>
public sealed class UserAdministration(IServiceScopeFactory scopes, SessionStore sessions, ApiKeyStore apiKeys, TimeProvider time)
{
    public const string NoSuchUser = "This user no longer exists.";

    public async Task<UserDetails?> GetAsync(string userId)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return null;
        }
        var roles = (await users.GetRolesAsync(user)).Order().ToList();
        return new UserDetails(user.Id, user.Email ?? "", user.DisplayName, user.EmailConfirmed, user.TwoFactorEnabled, user.CreatedAt,
            user.LastSignInAt, user.LockoutEnd is { } end && end > time.GetUtcNow() ? end : null, user.DisabledAt, roles, user.IsServiceAccount, user.TimeZone);
    }

    /// <summary>
    /// Creates a person's account with no password: its owner gets an email to choose one (an administrator never sets or
    /// sees a password). Roles are given in the same transaction; errors name the request field.
    /// </summary>
    public async Task<(UserDetails? User, IReadOnlyList<(string Field, string Message)> Errors)> CreateAsync(
        string actorUserId, NewUser request, string baseUri, string? actorScope = null, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var errors = new List<(string, string)>();
        var email = (request.Email ?? "").Trim();
        if (email.Length > 256 || !new System.ComponentModel.DataAnnotations.EmailAddressAttribute().IsValid(email))
        {
            errors.Add(("email", "Enter an email address such as name@example.com."));
        }
        var (displayName, nameError) = DisplayNames.Normalize(string.IsNullOrWhiteSpace(request.DisplayName) ? email.Split('@')[0] : request.DisplayName);
        if (nameError is not null)
        {
            errors.Add(("displayName", nameError));
        }
        var (roles, roleErrors) = await services.GetRequiredService<RoleAdministration>().AssignableAsync(actorUserId, request.Roles ?? [], actorScope, cancellationToken);
        errors.AddRange(roleErrors);
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        var db = services.GetRequiredService<AppDbContext>();
        var users = services.GetRequiredService<UserManager<AppUser>>();
        var audit = services.GetRequiredService<AuditLog>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var user = new AppUser { UserName = email, Email = email, DisplayName = displayName!, CreatedAt = time.GetUtcNow() };
        var created = await users.CreateAsync(user);
        if (!created.Succeeded)
        {
            return (null, created.Errors.Select(e => (IdentityErrorFields.FieldOf(e) == IdentityErrorFields.Email ? "email" : "body",
                e.Code == "DuplicateEmail" || e.Code == "DuplicateUserName" ? "An account already has this email address." : e.Description)).Distinct().ToList());
        }
        db.UserRoles.AddRange(roles.Select(r => new IdentityUserRole<string> { UserId = user.Id, RoleId = r.Id }));
        audit.Append(db, new AuditRecord(AuditActions.UserCreated)
        {
            ActorUserId = actorUserId, TargetType = AuditTargets.User, TargetId = user.Id, Details = new { email, roles = roles.Select(r => r.Name).ToList() },
        });
        foreach (var role in roles)
        {
            audit.Append(db, new AuditRecord(AuditActions.RoleAssigned) { ActorUserId = actorUserId, TargetType = AuditTargets.User, TargetId = user.Id, Details = new { role = role.Name } });
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await services.GetRequiredService<AccountLinks>().SendWelcomeAsync(user, baseUri);
        return (await GetAsync(user.Id), []);
    }

    /// <summary>Changes a user's display name and time zone; null leaves a field as it is.</summary>
    public async Task<(UserDetails? User, IReadOnlyList<(string Field, string Message)> Errors)> UpdateAsync(
        string actorUserId, string userId, UserChange change, CancellationToken cancellationToken = default)
    {
        var errors = new List<(string, string)>();
        string? displayName = null;
        if (change.DisplayName is not null)
        {
            (displayName, var nameError) = DisplayNames.Normalize(change.DisplayName);
            if (nameError is not null)
            {
                errors.Add(("displayName", nameError));
            }
        }
        if (change.TimeZone is not null && !Components.Shared.TimeZones.IsKnown(change.TimeZone))
        {
            errors.Add(("timeZone", "An IANA time zone such as Europe/Paris, or UTC."));
        }
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == userId, cancellationToken);
        if (user is null)
        {
            return (null, []);
        }
        user.DisplayName = displayName ?? user.DisplayName;
        user.TimeZone = change.TimeZone ?? user.TimeZone;
        if (db.ChangeTracker.HasChanges())
        {
            scope.ServiceProvider.GetRequiredService<AuditLog>().Append(db, new AuditRecord(AuditActions.UserUpdated)
            {
                ActorUserId = actorUserId, TargetType = AuditTargets.User, TargetId = userId, Details = new { displayName, timeZone = change.TimeZone },
            });
            await db.SaveChangesAsync(cancellationToken);
        }
        return (await GetAsync(userId), []);
    }

    /// <summary>For someone who lost their device: 2FA off, authenticator key and recovery codes replaced; they are told by email.</summary>
    public async Task<bool> ResetTwoFactorAsync(string actorUserId, string userId)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return false;
        }
        var reset = await scope.ServiceProvider.GetRequiredService<AuditLog>().RecordWithAsync(scope.ServiceProvider.GetRequiredService<AppDbContext>(),
            new AuditRecord(AuditActions.AuthenticatorReset) { ActorUserId = actorUserId, TargetType = AuditTargets.User, TargetId = userId, Details = new { byAdministrator = true } },
            async () =>
            {
                var disabled = await users.SetTwoFactorEnabledAsync(user, false);
                if (!disabled.Succeeded)
                {
                    return disabled;
                }
                var keyReset = await users.ResetAuthenticatorKeyAsync(user);
                return keyReset.Succeeded && await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 0) is null ? IdentityResult.Failed() : keyReset;
            });
        if (!reset.Succeeded)
        {
            return false;
        }
        if (user.Email is { } email)
        {
            await scope.ServiceProvider.GetRequiredService<Infrastructure.Email.IMailSender>().SendAsync(Infrastructure.Email.AccountEmails.Notice(email,
                "Two-factor authentication was reset", "An administrator turned off two-factor authentication on your AuthPortal account. Turn it on again on the Security page."));
        }
        return true;
    }

    /// <summary>Deletes an account (its sessions, keys and roles go with it; the audit trail stays). Error says why not.</summary>
    public async Task<(bool Found, string? Error)> DeleteAsync(string actorUserId, string userId, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var user = await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByIdAsync(userId);
        if (user is null)
        {
            return (false, null);
        }
        var result = await scope.ServiceProvider.GetRequiredService<Account.AccountDeletion>().DeleteAsync(user, actorUserId, cancellationToken);
        return (true, result.Error);
    }

    public Task<string?> DisableAsync(string userId, string actorUserId) => ChangeAsync(userId, actorUserId, AuditActions.UserDisabled, RevocationReasons.DisabledByAdmin,
        user => user.DisabledAt = time.GetUtcNow());

    public Task<string?> EnableAsync(string userId, string actorUserId) => ChangeAsync(userId, actorUserId, AuditActions.UserEnabled, null,
        user => user.DisabledAt = null);

    public Task<string?> LockAsync(string userId, string actorUserId) => ChangeAsync(userId, actorUserId, AuditActions.UserLocked, RevocationReasons.LockedByAdmin,
        user => user.LockoutEnd = time.GetUtcNow().AddYears(100));

    public Task<string?> UnlockAsync(string userId, string actorUserId) => ChangeAsync(userId, actorUserId, AuditActions.UserUnlocked, null,
        user => { user.LockoutEnd = null; user.AccessFailedCount = 0; });

    /// <summary>Signs the user out everywhere; returns how many sessions ended, or null when no such user exists.</summary>
    public async Task<int?> RevokeSessionsAsync(string userId, string actorUserId)
    {
        await using var scope = scopes.CreateAsyncScope();
        if (await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByIdAsync(userId) is null)
        {
            return null;
        }
        return await sessions.RevokeAllAsync(userId, new Revocation(RevocationReasons.RevokedByAdmin, actorUserId));
    }

    /// <summary>Applies <paramref name="change"/>; returns an error message, or null on success.</summary>
    private async Task<string?> ChangeAsync(string userId, string actorUserId, string action, string? endSessionsReason, Action<AppUser> change)
    {
        if (endSessionsReason is not null && userId == actorUserId)
        {
            return "You cannot disable or lock your own account.";
        }
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        // The last-administrator check and the change share one write transaction (see SystemRoles).
        await using var transaction = await db.Database.BeginTransactionAsync();
        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return NoSuchUser;
        }
        if (endSessionsReason is not null && await SystemRoles.WouldRemoveLastAdministratorAsync(db, userId, time.GetUtcNow()))
        {
            return "This is the last administrator who can sign in: make someone else an administrator first.";
        }
        change(user);
        var result = await users.UpdateAsync(user);
        if (!result.Succeeded)
        {
            return string.Join(" ", result.Errors.Select(e => e.Description));
        }
        scope.ServiceProvider.GetRequiredService<AuditLog>().Append(db, new AuditRecord(action)
        {
            ActorUserId = actorUserId, TargetType = AuditTargets.User, TargetId = userId,
        });
        await db.SaveChangesAsync();
        await transaction.CommitAsync();
        if (endSessionsReason is not null)
        {
            await sessions.RevokeAllAsync(userId, new Revocation(endSessionsReason, actorUserId));
        }
        // Their API keys are checked afresh at once (a disabled or locked owner's keys stop working).
        apiKeys.ForgetOwner(userId);
        return null;
    }
}
