using AuthPortal.Data;
using AuthPortal.Features.ApiKeys;
using AuthPortal.Features.Audit;
using AuthPortal.Features.Roles;
using AuthPortal.Features.Sessions;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AuthPortal.Features.Users;

public sealed record UserDetails(string Id, string Email, string DisplayName, bool EmailConfirmed, bool TwoFactorEnabled,
    DateTimeOffset CreatedAt, DateTimeOffset? LastSignInAt, DateTimeOffset? LockoutEnd, DateTimeOffset? DisabledAt, IReadOnlyList<string> Roles, bool IsServiceAccount);

/// <summary>
/// What an administrator does to someone else's account. The caller (page or API) has already checked the
/// permission; this class enforces the rules that hold whoever asks (no disabling or locking yourself).
/// Disabling or locking ends every session of the user at once.
/// </summary>
public sealed class UserAdministration(IServiceScopeFactory scopes, SessionStore sessions, ApiKeyStore apiKeys, TimeProvider time)
{
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
            user.LastSignInAt, user.LockoutEnd is { } end && end > time.GetUtcNow() ? end : null, user.DisabledAt, roles, user.IsServiceAccount);
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
            return "This user no longer exists.";
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
