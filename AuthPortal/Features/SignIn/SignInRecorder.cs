using AuthPortal.Data;
using AuthPortal.Features.Audit;
using AuthPortal.Infrastructure.Security;

namespace AuthPortal.Features.SignIn;

/// <summary>Sign-in methods as recorded in audit details.</summary>
public static class SignInMethods
{
    public const string Password = "password";
    public const string PasswordAndTotp = "password+totp";
    public const string PasswordAndRecoveryCode = "password+recovery_code";
    public const string Passkey = "passkey";
    public const string ApiPassword = "api_password";
}

/// <summary>
/// The one place a sign-in's outcome is recorded, for the UI and the API alike: a success stamps the user's last
/// sign-in and writes <c>signin.succeeded</c>; a failure writes <c>signin.failed</c> with the reason; an account
/// that just crossed the failure limit gets <c>user.locked_out</c>.
/// </summary>
public sealed class SignInRecorder(AppDbContext db, AuditLog audit, ServerSecrets secrets, TimeProvider time)
{
    /// <summary>
    /// Adds a completed sign-in to <paramref name="unitOfWork"/> (the user must be tracked by it): last sign-in time,
    /// failure count cleared, and the audit event. The caller's SaveChanges commits it with the rest of the sign-in.
    /// </summary>
    public void Succeeded(AppDbContext unitOfWork, AppUser user, string method, string? sessionId = null)
    {
        user.LastSignInAt = time.GetUtcNow();
        // A complete sign-in clears the failure count (Identity leaves it alone between password and second factor).
        user.AccessFailedCount = 0;
        audit.Append(unitOfWork, new AuditRecord(AuditActions.SignInSucceeded)
        {
            ActorUserId = user.Id, TargetType = AuditTargets.User, TargetId = user.Id,
            Details = sessionId is null ? new { method } : (object)new { method, session = sessionId },
        });
    }

    /// <summary>Records a completed browser sign-in on its own.</summary>
    public async Task RecordSucceededAsync(AppUser user, string method)
    {
        Succeeded(db, user, method);
        await db.SaveChangesAsync();
    }

    public Task RecordFailureAsync(AppUser? user, string login, PasswordCheckResult result, string method) =>
        RecordFailureAsync(user, login, ReasonFor(result), method);

    /// <summary>A failed check: <c>signin.failed</c>, then <c>user.locked_out</c> when this failure crossed the limit.</summary>
    public async Task RecordFailedCheckAsync(AppUser user, string login, string reason, string method, bool lockedNow)
    {
        await RecordFailureAsync(user, login, reason, method);
        if (lockedNow)
        {
            await RecordLockedOutAsync(user);
        }
    }

    public async Task RecordFailureAsync(AppUser? user, string login, string reason, string method) =>
        await audit.RecordAsync(new AuditRecord(AuditActions.SignInFailed, Succeeded: false)
        {
            ActorUserId = user?.Id,
            TargetType = AuditTargets.User,
            TargetId = user?.Id,
            // For an unknown user only a keyed hash of what was typed is kept: people sometimes type their password
            // into the user-name box, and a plain hash could be tested against guesses offline. The key is not in the
            // database (ServerSecrets); the hash still lets an operator group repeated attempts.
            Details = user is null
                ? new { reason, method, loginHash = (await secrets.HashAsync(ServerSecrets.FailedLogins, login.Trim().ToUpperInvariant()))[..16] }
                : (object)new { reason, method, login = user.UserName },
        });

    public Task RecordLockedOutAsync(AppUser user) =>
        audit.RecordAsync(new AuditRecord(AuditActions.LockedOut)
        {
            ActorKind = ActorKind.System, TargetType = AuditTargets.User, TargetId = user.Id, Details = new { until = user.LockoutEnd },
        });

    public static string ReasonFor(PasswordCheckResult result) => result switch
    {
        PasswordCheckResult.UnknownUser => "unknown_user",
        PasswordCheckResult.WrongPassword => "bad_password",
        PasswordCheckResult.LockedOut => "locked_out",
        PasswordCheckResult.Disabled => "disabled",
        PasswordCheckResult.EmailNotConfirmed => "email_not_confirmed",
        _ => result.ToString(),
    };
}
