using AuthPortal.Data;
using AuthPortal.Features.Audit;
using AuthPortal.Infrastructure.Security;
using Microsoft.EntityFrameworkCore;

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
    /// A completed sign-in, inside the caller's transaction on <paramref name="unitOfWork"/>: last sign-in time and a
    /// cleared failure count are written at once (an atomic update, so a concurrent change to the user, such as another
    /// attempt's failure count, cannot make the sign-in fail), and <c>signin.succeeded</c> is added to the caller's
    /// SaveChanges. Commit or roll back together with the rest of the sign-in.
    /// </summary>
    public async Task SucceededAsync(AppDbContext unitOfWork, AppUser user, string method, string? sessionId = null, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        await unitOfWork.Users.Where(u => u.Id == user.Id)
            .ExecuteUpdateAsync(set => set.SetProperty(u => u.LastSignInAt, now).SetProperty(u => u.AccessFailedCount, 0), cancellationToken);
        if (unitOfWork.Entry(user) is { State: not EntityState.Detached } entry)
        {
            entry.Property(u => u.LastSignInAt).MarkStored(now);
            entry.Property(u => u.AccessFailedCount).MarkStored(0);
        }
        audit.Append(unitOfWork, new AuditRecord(AuditActions.SignInSucceeded)
        {
            ActorUserId = user.Id, TargetType = AuditTargets.User, TargetId = user.Id,
            Details = sessionId is null ? new { method } : (object)new { method, session = sessionId },
        });
    }

    /// <summary>Records a completed browser sign-in in its own transaction.</summary>
    public async Task RecordSucceededAsync(AppUser user, string method)
    {
        await using var transaction = await db.Database.BeginTransactionAsync();
        await SucceededAsync(db, user, method);
        await db.SaveChangesAsync();
        await transaction.CommitAsync();
    }

    public Task RecordFailureAsync(AppUser? user, string login, PasswordCheckResult result, string method) =>
        RecordFailureAsync(user, login, ReasonFor(result), method);

    /// <summary>
    /// A failed check in the caller's transaction on <paramref name="unitOfWork"/>: <c>signin.failed</c>, then
    /// <c>user.locked_out</c> when this failure locked the account. They commit with the failure count they describe.
    /// A null <paramref name="method"/> (a signed-in person re-entering a password) records only the lock.
    /// </summary>
    public async Task AppendFailedCheckAsync(AppDbContext unitOfWork, AppUser user, string login, string reason, string? method, bool lockedNow)
    {
        if (method is not null)
        {
            audit.Append(unitOfWork, await FailureAsync(user, login, reason, method));
        }
        if (lockedNow)
        {
            audit.Append(unitOfWork, LockedOut(user));
        }
    }

    /// <summary>A refused attempt that changed nothing (unknown account, locked account, wrong passkey), in its own transaction.</summary>
    public async Task RecordFailureAsync(AppUser? user, string login, string reason, string method) =>
        await audit.RecordAsync(await FailureAsync(user, login, reason, method));

    private async Task<AuditRecord> FailureAsync(AppUser? user, string login, string reason, string method) =>
        new(AuditActions.SignInFailed, Succeeded: false)
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
        };

    private static AuditRecord LockedOut(AppUser user) =>
        new(AuditActions.LockedOut)
        {
            ActorKind = ActorKind.System, TargetType = AuditTargets.User, TargetId = user.Id, Details = new { until = user.LockoutEnd },
        };

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
