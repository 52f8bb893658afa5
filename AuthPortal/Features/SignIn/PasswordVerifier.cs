using AuthPortal.Data;
using Microsoft.AspNetCore.Identity;

namespace AuthPortal.Features.SignIn;

public enum PasswordCheckResult
{
    Succeeded,
    UnknownUser,
    WrongPassword,
    LockedOut,
    Disabled,
    EmailNotConfirmed,
}

public sealed record PasswordCheck(PasswordCheckResult Result, AppUser? User)
{
    public bool Succeeded => Result == PasswordCheckResult.Succeeded;
}

/// <summary>
/// The one place a password is checked: sign-in, the token endpoint, change password, re-authentication and
/// account deletion all come here. It refuses locked accounts without revealing whether the password was right,
/// counts wrong passwords toward lockout in the database (<see cref="LockoutCounter"/>: the limit holds across
/// requests and instances), records each failure in the same transaction as the count, and spends the same time
/// on unknown and locked accounts as on a real check, so timing reveals neither.
/// </summary>
public sealed class PasswordVerifier(UserManager<AppUser> userManager, SignInManager<AppUser> signInManager, AppDbContext db, LockoutCounter lockout, SignInRecorder recorder,
    PasswordHashingGate hashing)
{
    private static readonly string DummyHash = new PasswordHasher<AppUser>().HashPassword(new AppUser(), "not-a-real-password");

    /// <summary>
    /// Finds the person by email or user name (what the login box and <c>username</c> accept). A service account is
    /// not found: it has no password to check, and wrong guesses at its name must not lock its API keys out.
    /// </summary>
    public async Task<AppUser?> FindUserAsync(string login)
    {
        login = login.Trim();
        if (login.Length == 0)
        {
            return null;
        }
        var user = login.Contains('@')
            ? await userManager.FindByEmailAsync(login) ?? await userManager.FindByNameAsync(login)
            : await userManager.FindByNameAsync(login);
        return user is { IsServiceAccount: true } ? null : user;
    }

    /// <summary>
    /// A sign-in's password step: the account must exist, the password be right, and the account be allowed to sign
    /// in (not disabled; email confirmed when that is required). Every failure is recorded with <paramref name="method"/>.
    /// Only someone who knows the password learns that the email still needs confirming.
    /// </summary>
    public async Task<PasswordCheck> CheckSignInAsync(string login, string password, string method)
    {
        var user = await FindUserAsync(login);
        if (user is null)
        {
            await SpendPasswordCheckTimeAsync(password);
            await recorder.RecordFailureAsync(null, login, PasswordCheckResult.UnknownUser, method);
            return new PasswordCheck(PasswordCheckResult.UnknownUser, null);
        }
        return new PasswordCheck(await CheckAsync(user, password, login, method, signingIn: true, CancellationToken.None), user);
    }

    /// <summary>
    /// Checks the password of a signed-in person (change password, re-authentication, account deletion):
    /// <see cref="PasswordCheckResult.Succeeded"/>, <see cref="PasswordCheckResult.WrongPassword"/> or <see cref="PasswordCheckResult.LockedOut"/>.
    /// </summary>
    public Task<PasswordCheckResult> VerifyAsync(AppUser user, string password, CancellationToken cancellationToken = default) =>
        CheckAsync(user, password, user.UserName ?? "", method: null, signingIn: false, cancellationToken);

    /// <remarks>A null <paramref name="method"/> (a signed-in person's check) records only a lock it causes, not each failure.</remarks>
    private async Task<PasswordCheckResult> CheckAsync(AppUser user, string password, string login, string? method, bool signingIn, CancellationToken cancellationToken)
    {
        if (!await lockout.TryBeginAsync(user, cancellationToken))
        {
            await SpendPasswordCheckTimeAsync(password);
            if (method is not null)
            {
                await recorder.RecordFailureAsync(user, login, PasswordCheckResult.LockedOut, method);
            }
            return PasswordCheckResult.LockedOut;
        }
        if (string.IsNullOrEmpty(password) || !await hashing.RunAsync(() => userManager.CheckPasswordAsync(user, password)))
        {
            // The kept slot, the lock it may complete and their events commit together.
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var lockedNow = await lockout.FailAsync(user, cancellationToken);
            await recorder.AppendFailedCheckAsync(db, user, login, SignInRecorder.ReasonFor(PasswordCheckResult.WrongPassword), method, lockedNow);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return PasswordCheckResult.WrongPassword;
        }
        // As Identity does: with a second factor to come, the failure count is cleared only when that succeeds. Only a
        // complete success clears it: a right password on a disabled or unconfirmed account leaves the count alone.
        var result = !signingIn ? PasswordCheckResult.Succeeded
            : user.DisabledAt is not null ? PasswordCheckResult.Disabled
            // Identity's own rule for who may sign in (confirmed email, and whatever else it is configured to require).
            : !await signInManager.CanSignInAsync(user) ? PasswordCheckResult.EmailNotConfirmed
            : PasswordCheckResult.Succeeded;
        if (result == PasswordCheckResult.Succeeded && !user.TwoFactorEnabled)
        {
            await lockout.ClearAsync(user, cancellationToken);
        }
        else
        {
            await lockout.ReleaseAsync(user, cancellationToken);
        }
        if (result != PasswordCheckResult.Succeeded && method is not null)
        {
            await recorder.RecordFailureAsync(user, login, result, method);
        }
        return result;
    }

    /// <summary>Spends the time a real password check takes, waiting its turn as a real one does.</summary>
    public Task SpendPasswordCheckTimeAsync(string password) =>
        hashing.RunBlockingAsync(() => userManager.PasswordHasher.VerifyHashedPassword(new AppUser(), DummyHash, password));
}
