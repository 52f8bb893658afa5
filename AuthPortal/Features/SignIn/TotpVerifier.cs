using AuthPortal.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Caching.Memory;

namespace AuthPortal.Features.SignIn;

public enum TotpCheckResult { Succeeded, Invalid, LockedOut }

/// <summary>
/// The one place an authenticator code is checked at sign-in (the 2FA page and the token endpoint): refused when
/// it already signed this account in (RFC 6238 §5.2: a code seen over a shoulder or replayed from a captured
/// request is not accepted again within its window), verified, and remembered. A wrong code counts toward lockout,
/// under the same per-user gate as passwords.
/// </summary>
/// <remarks>The used codes live in this instance's memory cache; the PostgreSQL issue moves them to the database.</remarks>
public sealed class TotpVerifier(UserManager<AppUser> userManager, AppDbContext db, SignInGate gate, SignInRecorder recorder, IMemoryCache usedCodes)
{
    // Identity accepts a code for its 30-second step and the steps either side: 90 s covers every reuse.
    private static readonly TimeSpan Remember = TimeSpan.FromSeconds(90);

    /// <summary>What people type ("123 456", "123-456") as the six digits the authenticator check expects.</summary>
    public static string Normalize(string code) => code.Replace(" ", "").Replace("-", "");

    /// <summary>Checks the code; a failure is recorded as <c>signin.failed</c> with <paramref name="method"/>.</summary>
    public async Task<TotpCheckResult> VerifyAsync(AppUser user, string code, string method, CancellationToken cancellationToken = default)
    {
        var (result, lockedNow) = await CheckAsync(user, Normalize(code), cancellationToken);
        if (result != TotpCheckResult.Succeeded)
        {
            var reason = result == TotpCheckResult.LockedOut ? "locked_out" : "bad_totp";
            await recorder.RecordFailedCheckAsync(user, user.UserName ?? "", reason, method, lockedNow);
        }
        return result;
    }

    private async Task<(TotpCheckResult Result, bool LockedNow)> CheckAsync(AppUser user, string code, CancellationToken cancellationToken)
    {
        using var gateHeld = await gate.EnterAsync(user.Id, cancellationToken);
        await db.Entry(user).ReloadAsync(cancellationToken);
        if (await userManager.IsLockedOutAsync(user))
        {
            return (TotpCheckResult.LockedOut, false);
        }
        if (usedCodes.TryGetValue(Key(user.Id, code), out _)
            || !await userManager.VerifyTwoFactorTokenAsync(user, userManager.Options.Tokens.AuthenticatorTokenProvider, code))
        {
            await userManager.AccessFailedAsync(user);
            return (TotpCheckResult.Invalid, await userManager.IsLockedOutAsync(user));
        }
        usedCodes.Set(Key(user.Id, code), true, Remember);
        return (TotpCheckResult.Succeeded, false);
    }

    private static string Key(string userId, string code) => $"totp-used:{userId}:{code}";
}
