using AuthPortal.Data;
using AuthPortal.Features.Account;
using AuthPortal.Features.Audit;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;

namespace AuthPortal.Components.Account;

public enum TokenCheckOutcome
{
    Succeeded,
    MfaRequired,
    Failed,
}

public enum PasswordSignInOutcome
{
    Succeeded,
    RequiresTwoFactor,
    EmailNotConfirmed,

    /// <summary>Unknown user, wrong password, locked or disabled: the caller shows one generic message.</summary>
    Failed,
}

/// <summary>
/// Password sign-in for the login page: finds the user by email or user name, counts failures toward
/// lockout (the template's <c>lockoutOnFailure: false</c> does not) and records every outcome in the audit log.
/// </summary>
public sealed class PasswordSignIn(
    UserManager<AppUser> userManager,
    SignInManager<AppUser> signInManager,
    AppDbContext db,
    UsedTotpCodes usedCodes,
    AuditLog audit,
    TimeProvider time)
{
    public async Task<(PasswordSignInOutcome Outcome, AppUser? User)> SignInAsync(string login, string password, bool remember)
    {
        var user = await FindByEmailOrUserNameAsync(login);
        if (user is null)
        {
            // Spend the time a real password check takes, so timing does not reveal unknown accounts.
            SpendPasswordCheckTime(password);
            await RecordFailureAsync(null, login, "unknown_user");
            return (PasswordSignInOutcome.Failed, null);
        }

        using var _ = await EnterGateAsync(user);
        return await SignInLockedAsync(user, login, password, remember);
    }

    /// <summary>
    /// Attempts on one account run one at a time in this process, so parallel guesses cannot overwrite each
    /// other's failure count (Identity's update loses the race silently). The user is re-read inside the gate:
    /// the copy found before may predate another attempt's failure count.
    /// </summary>
    private async Task<IDisposable> EnterGateAsync(AppUser user)
    {
        var gate = await PerUserGate.EnterAsync(user.Id);
        await db.Entry(user).ReloadAsync();
        return gate;
    }

    /// <summary>A completed sign-in, whatever the method: remember when, and record it.</summary>
    public async Task RecordSignInAsync(AppUser user, string method)
    {
        user.LastSignInAt = time.GetUtcNow();
        await userManager.UpdateAsync(user);
        await audit.RecordAsync(new AuditRecord(AuditActions.SignInSucceeded)
        {
            ActorUserId = user.Id, TargetType = "user", TargetId = user.Id, Details = new { method },
        });
    }

    private async Task<(PasswordSignInOutcome Outcome, AppUser? User)> SignInLockedAsync(AppUser user, string login, string password, bool remember)
    {
        var wasLockedOut = await userManager.IsLockedOutAsync(user);
        if (wasLockedOut)
        {
            SpendPasswordCheckTime(password);
        }
        var result = await signInManager.PasswordSignInAsync(user, password, remember, lockoutOnFailure: true);

        if (result.Succeeded)
        {
            await RecordSignInAsync(user, "password");
            return (PasswordSignInOutcome.Succeeded, user);
        }
        if (result.RequiresTwoFactor)
        {
            return (PasswordSignInOutcome.RequiresTwoFactor, user);
        }
        if (result.IsLockedOut)
        {
            await RecordFailureAsync(user, login, wasLockedOut ? "locked_out" : "bad_password");
            await RecordIfNowLockedAsync(user, wasLockedOut);
            return (PasswordSignInOutcome.Failed, user);
        }
        if (result.IsNotAllowed)
        {
            // Identity refuses unconfirmed users before it looks at lockout or the password.
            if (await userManager.IsLockedOutAsync(user))
            {
                SpendPasswordCheckTime(password);
                await RecordFailureAsync(user, login, "locked_out");
                return (PasswordSignInOutcome.Failed, user);
            }
            // Identity refuses unconfirmed or disabled users before it checks the password, so check it here:
            // only someone who knows the password learns that the email still needs confirming.
            var passwordIsRight = await userManager.CheckPasswordAsync(user, password);
            if (!passwordIsRight)
            {
                await userManager.AccessFailedAsync(user);
                await RecordFailureAsync(user, login, "bad_password");
                await RecordIfNowLockedAsync(user, wasLockedOut: false);
                return (PasswordSignInOutcome.Failed, user);
            }
            if (user.DisabledAt is null && !user.EmailConfirmed)
            {
                await RecordFailureAsync(user, login, "email_not_confirmed");
                return (PasswordSignInOutcome.EmailNotConfirmed, user);
            }
            await RecordFailureAsync(user, login, "disabled");
            return (PasswordSignInOutcome.Failed, user);
        }

        await RecordFailureAsync(user, login, "bad_password");
        return (PasswordSignInOutcome.Failed, user);
    }

    /// <summary>
    /// The password grant of /api/auth/token: same lockout, failure counting and audit as the login page,
    /// plus the authenticator code (<paramref name="otp"/>) when the account uses 2FA.
    /// </summary>
    public async Task<(TokenCheckOutcome Outcome, AppUser? User)> CheckForTokenAsync(string login, string password, string? otp)
    {
        var user = await FindByEmailOrUserNameAsync(login);
        if (user is null)
        {
            SpendPasswordCheckTime(password);
            await RecordFailureAsync(null, login, "unknown_user", "api_password");
            return (TokenCheckOutcome.Failed, null);
        }
        using var _ = await EnterGateAsync(user);
        var wasLockedOut = await userManager.IsLockedOutAsync(user);
        var result = await signInManager.CheckPasswordSignInAsync(user, password, lockoutOnFailure: true);
        if (!result.Succeeded)
        {
            if (result.IsNotAllowed && !wasLockedOut && !await userManager.CheckPasswordAsync(user, password))
            {
                await userManager.AccessFailedAsync(user);
            }
            else if (wasLockedOut)
            {
                SpendPasswordCheckTime(password);
            }
            await RecordFailureAsync(user, login, wasLockedOut ? "locked_out" : result.IsNotAllowed ? "not_allowed" : "bad_password", "api_password");
            await RecordIfNowLockedAsync(user, wasLockedOut);
            return (TokenCheckOutcome.Failed, user);
        }
        var code = UsedTotpCodes.Normalize(otp ?? "");
        if (user.TwoFactorEnabled)
        {
            if (string.IsNullOrWhiteSpace(otp))
            {
                return (TokenCheckOutcome.MfaRequired, user);
            }
            if (usedCodes.WasUsed(user.Id, code)
                || !await userManager.VerifyTwoFactorTokenAsync(user, userManager.Options.Tokens.AuthenticatorTokenProvider, code))
            {
                await userManager.AccessFailedAsync(user);
                await RecordFailureAsync(user, login, "bad_totp", "api_password");
                await RecordIfNowLockedAsync(user, wasLockedOut: false);
                return (TokenCheckOutcome.Failed, user);
            }
        }
        if (user.TwoFactorEnabled)
        {
            usedCodes.MarkUsed(user.Id, code);
        }
        // Identity leaves the failure count alone for 2FA users after the password step; a complete sign-in clears it.
        await userManager.ResetAccessFailedCountAsync(user);
        user.LastSignInAt = time.GetUtcNow();
        await userManager.UpdateAsync(user);
        return (TokenCheckOutcome.Succeeded, user);
    }

    private async Task RecordIfNowLockedAsync(AppUser user, bool wasLockedOut)
    {
        if (!wasLockedOut && await userManager.IsLockedOutAsync(user))
        {
            await audit.RecordAsync(new AuditRecord(AuditActions.LockedOut)
            {
                ActorKind = ActorKind.System, TargetType = "user", TargetId = user.Id, Details = new { until = user.LockoutEnd },
            });
        }
    }

    /// <summary>Signs in with a WebAuthn assertion (passkeys skip the second factor: they are one).</summary>
    public async Task<(PasswordSignInOutcome Outcome, AppUser? User)> SignInWithPasskeyAsync(string credentialJson)
    {
        var user = await FindByCredentialAsync(credentialJson);
        var result = await signInManager.PasskeySignInAsync(credentialJson);
        if (result.Succeeded && user is not null)
        {
            await RecordSignInAsync(user, "passkey");
            return (PasswordSignInOutcome.Succeeded, user);
        }
        await audit.RecordAsync(new AuditRecord(AuditActions.SignInFailed, Succeeded: false)
        {
            ActorUserId = user?.Id, TargetType = "user", TargetId = user?.Id,
            Details = new { reason = result.IsLockedOut ? "locked_out" : result.IsNotAllowed ? "not_allowed" : "bad_passkey", method = "passkey" },
        });
        return (PasswordSignInOutcome.Failed, user);
    }

    private async Task<AppUser?> FindByCredentialAsync(string credentialJson)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(credentialJson);
            return document.RootElement.TryGetProperty("id", out var id) && id.GetString() is { } encoded
                ? await userManager.FindByPasskeyIdAsync(Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlDecode(encoded))
                : null;
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    public async Task<AppUser?> FindByEmailOrUserNameAsync(string login)
    {
        login = login.Trim();
        if (login.Length == 0)
        {
            return null;
        }
        return login.Contains('@')
            ? await userManager.FindByEmailAsync(login) ?? await userManager.FindByNameAsync(login)
            : await userManager.FindByNameAsync(login);
    }

    private Task RecordFailureAsync(AppUser? user, string login, string reason, string method = "password") =>
        audit.RecordAsync(new AuditRecord(AuditActions.SignInFailed, Succeeded: false)
        {
            ActorUserId = user?.Id,
            TargetType = "user",
            TargetId = user?.Id,
            // For an unknown user only a hash of what was typed is kept: people sometimes type their
            // password into the user-name box. The hash still lets an operator group repeated attempts.
            Details = user is null
                ? new { reason, method, loginHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(login.Trim().ToUpperInvariant())))[..16] }
                : (object)new { reason, method, login = user.UserName },
        });

    private void SpendPasswordCheckTime(string password) =>
        userManager.PasswordHasher.VerifyHashedPassword(new AppUser(), DummyHash, password);

    private static readonly string DummyHash = new PasswordHasher<AppUser>().HashPassword(new AppUser(), "not-a-real-password");
}

/// <summary>
/// An async lock per user id. Only existing accounts get one, so the dictionary grows with the user
/// count, not with what an attacker types.
/// </summary>
internal static class PerUserGate
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new();

    public static async Task<IDisposable> EnterAsync(string userId)
    {
        var gate = Gates.GetOrAdd(userId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync();
        return new Release(gate);
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }
}
