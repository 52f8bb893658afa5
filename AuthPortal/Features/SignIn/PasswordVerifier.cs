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
/// account deletion all come here. It takes the per-user <see cref="SignInGate"/>, refuses locked accounts
/// without revealing whether the password was right, counts wrong passwords toward lockout (the template's
/// <c>lockoutOnFailure: false</c> does not), and spends the same time on unknown and locked accounts as on a
/// real check, so timing reveals neither.
/// </summary>
public sealed class PasswordVerifier(UserManager<AppUser> userManager, SignInManager<AppUser> signInManager, AppDbContext db, SignInGate gate, SignInRecorder recorder)
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
            SpendPasswordCheckTime(password);
            await recorder.RecordFailureAsync(null, login, PasswordCheckResult.UnknownUser, method);
            return new PasswordCheck(PasswordCheckResult.UnknownUser, null);
        }
        var (result, lockedNow) = await CheckAsync(user, password, signingIn: true, CancellationToken.None);
        if (result != PasswordCheckResult.Succeeded)
        {
            await recorder.RecordFailedCheckAsync(user, login, SignInRecorder.ReasonFor(result), method, lockedNow);
        }
        return new PasswordCheck(result, user);
    }

    /// <summary>
    /// Checks the password of a signed-in person (change password, re-authentication, account deletion):
    /// <see cref="PasswordCheckResult.Succeeded"/>, <see cref="PasswordCheckResult.WrongPassword"/> or <see cref="PasswordCheckResult.LockedOut"/>.
    /// </summary>
    public async Task<PasswordCheckResult> VerifyAsync(AppUser user, string password, CancellationToken cancellationToken = default)
    {
        var (result, lockedNow) = await CheckAsync(user, password, signingIn: false, cancellationToken);
        if (lockedNow)
        {
            await recorder.RecordLockedOutAsync(user);
        }
        return result;
    }

    /// <summary>The check itself, all of it under the per-user gate; <c>LockedNow</c> when this wrong password crossed the limit.</summary>
    private async Task<(PasswordCheckResult Result, bool LockedNow)> CheckAsync(AppUser user, string password, bool signingIn, CancellationToken cancellationToken)
    {
        using var gateHeld = await gate.EnterAsync(user.Id, cancellationToken);
        // The copy the caller holds may predate another attempt's failure count.
        await db.Entry(user).ReloadAsync(cancellationToken);
        if (await userManager.IsLockedOutAsync(user))
        {
            SpendPasswordCheckTime(password);
            return (PasswordCheckResult.LockedOut, false);
        }
        if (string.IsNullOrEmpty(password) || !await userManager.CheckPasswordAsync(user, password))
        {
            await userManager.AccessFailedAsync(user);
            return (PasswordCheckResult.WrongPassword, await userManager.IsLockedOutAsync(user));
        }
        if (signingIn)
        {
            // Identity's own rule for who may sign in (confirmed email, and whatever else it is configured to require),
            // with disabled accounts told apart for the audit log.
            if (user.DisabledAt is not null)
            {
                return (PasswordCheckResult.Disabled, false);
            }
            if (!await signInManager.CanSignInAsync(user))
            {
                return (PasswordCheckResult.EmailNotConfirmed, false);
            }
        }
        // As Identity does: with a second factor to come, the failure count is cleared only when that succeeds. Only a
        // complete success clears it: a right password on a disabled or unconfirmed account leaves the count alone.
        if (!user.TwoFactorEnabled && user.AccessFailedCount > 0)
        {
            await userManager.ResetAccessFailedCountAsync(user);
        }
        return (PasswordCheckResult.Succeeded, false);
    }

    /// <summary>Spends the time a real password check takes.</summary>
    public void SpendPasswordCheckTime(string password) =>
        userManager.PasswordHasher.VerifyHashedPassword(new AppUser(), DummyHash, password);
}
