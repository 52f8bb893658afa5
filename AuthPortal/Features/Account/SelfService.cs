using System.Text;
using AuthPortal.Components.Shared;
using AuthPortal.Data;
using AuthPortal.Features.Audit;
using AuthPortal.Features.Sessions;
using AuthPortal.Features.SignIn;
using AuthPortal.Infrastructure.Email;
using AuthPortal.Infrastructure.Identity;
using Microsoft.AspNetCore.Identity;
using QRCoder;

namespace AuthPortal.Features.Account;

public sealed record ProfileView(string Id, string Email, bool EmailConfirmed, string UserName, string DisplayName, string TimeZone, DateTimeOffset CreatedAt);

public sealed record TwoFactorState(bool Enabled, int RecoveryCodesLeft, bool HasAuthenticator);

public sealed record AuthenticatorSetup(string SharedKey, string Uri, string QrCodeDataUri);

public sealed record PasskeyView(string Id, string Name, DateTimeOffset CreatedAt);

/// <summary>A change that failed, with the form field it is about (null: the whole form).</summary>
public sealed record FieldError(string? Field, string Message);

/// <summary>
/// What a signed-in person can do to their own account from the interactive pages. Every call opens
/// its own DI scope (one DbContext per operation, never one per circuit) and records an audit event.
/// </summary>
public sealed partial class SelfService(IServiceScopeFactory scopes, PasswordStrength strength, SessionStore sessions, TimeProvider time)
{
    public const int RecoveryCodeCount = 10;
    private const string Issuer = "AuthPortal";

    public async Task<ProfileView?> GetProfileAsync(string userId)
    {
        await using var scope = scopes.CreateAsyncScope();
        var user = await Users(scope).FindByIdAsync(userId);
        return user is null ? null
            : new ProfileView(user.Id, user.Email ?? "", user.EmailConfirmed, user.UserName ?? "", user.DisplayName, user.TimeZone, user.CreatedAt);
    }

    public async Task<IReadOnlyList<FieldError>> UpdateProfileAsync(string userId, string displayName, string timeZone)
    {
        var errors = new List<FieldError>();
        var (name, nameError) = DisplayNames.Normalize(displayName);
        if (nameError is not null)
        {
            errors.Add(new(DisplayNames.Field, nameError));
        }
        displayName = name ?? "";
        if (!TimeZones.IsKnown(timeZone))
        {
            errors.Add(new("TimeZone", "Choose a time zone from the list."));
        }
        if (errors.Count > 0)
        {
            return errors;
        }
        // Two saves of one account at once: Identity refuses the later one (the concurrency stamp moved). This edit sets
        // values rather than changing them, so it is applied again to the fresh row and the last save wins, as a settings
        // form does; anything else that changed on the account is kept.
        for (var attempt = 1; ; attempt++)
        {
            await using var scope = scopes.CreateAsyncScope();
            var users = Users(scope);
            var user = await users.FindByIdAsync(userId);
            if (user is null)
            {
                return [new(null, "Your account no longer exists.")];
            }
            user.DisplayName = displayName;
            user.TimeZone = timeZone;
            var result = await RecordedAsync(scope, AuditActions.ProfileUpdated, userId, () => users.UpdateAsync(user));
            if (result.Succeeded)
            {
                return [];
            }
            if (attempt < MaxConcurrentSaveAttempts && result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.ConcurrencyFailure)))
            {
                continue;
            }
            return result.Errors.Select(e => new FieldError(null, e.Description)).ToList();
        }
    }

    private const int MaxConcurrentSaveAttempts = 10;

    public async Task<IReadOnlyList<FieldError>> RequestEmailChangeAsync(string userId, string newEmail, string baseUri)
    {
        if (!new System.ComponentModel.DataAnnotations.EmailAddressAttribute().IsValid(newEmail) || newEmail.Length > 256)
        {
            return [new("NewEmail", "Enter a valid email address.")];
        }
        await using var scope = scopes.CreateAsyncScope();
        var user = await Users(scope).FindByIdAsync(userId);
        if (user is null)
        {
            return [new(null, "Your account no longer exists.")];
        }
        var result = await scope.ServiceProvider.GetRequiredService<AccountLinks>().RequestEmailChangeAsync(user, newEmail, baseUri);
        return result.Succeeded ? [] : result.Errors.Select(e => new FieldError("NewEmail", e.Description)).ToList();
    }

    public PasswordVerdict Evaluate(string? password, ProfileView profile) =>
        strength.Evaluate(password, [profile.Email, profile.UserName, profile.DisplayName]);

    /// <summary>Changes the password; the current one is required (ASVS 6.2.3).</summary>
    /// <remarks>Every other session of the user is signed out afterwards (ASVS 7.4.3); <paramref name="currentSessionId"/> stays.</remarks>
    public async Task<IReadOnlyList<FieldError>> ChangePasswordAsync(string userId, string? currentSessionId, string currentPassword, string newPassword)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = Users(scope);
        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return [new(null, "Your account no longer exists.")];
        }
        if (user.IsServiceAccount)
        {
            return [new("CurrentPassword", "A service account has no password: it signs in with its API keys only.")];
        }
        // Guessing the current password counts toward lockout like any sign-in, and a locked account cannot change it.
        switch (await scope.ServiceProvider.GetRequiredService<PasswordVerifier>().VerifyAsync(user, currentPassword))
        {
            case PasswordCheckResult.LockedOut:
                return [new("CurrentPassword", "Too many wrong passwords: the account is locked for a while.")];
            case not PasswordCheckResult.Succeeded:
                return [new("CurrentPassword", "Your current password is not right.")];
        }
        if (currentPassword == newPassword)
        {
            return [new("NewPassword", "Choose a password different from the current one.")];
        }
        var result = await RecordedAsync(scope, AuditActions.PasswordChanged, userId, () => users.ChangePasswordAsync(user, currentPassword, newPassword));
        if (!result.Succeeded)
        {
            return result.Errors.Select(e => new FieldError(IdentityErrorFields.FieldOf(e) == IdentityErrorFields.Password ? "NewPassword" : null, e.Description)).ToList();
        }
        await scope.ServiceProvider.GetRequiredService<IMailSender>().SendAsync(AccountEmails.Notice(user.Email!, "Your password was changed",
            "The password of your AuthPortal account was just changed. Your other sessions were signed out."));
        await sessions.RevokeAllAsync(userId, new Revocation(RevocationReasons.PasswordChanged, userId), keepSessionId: currentSessionId);
        return [];
    }

    public async Task<TwoFactorState> GetTwoFactorStateAsync(string userId)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = Users(scope);
        var user = await users.FindByIdAsync(userId) ?? throw new InvalidOperationException("User not found.");
        return new TwoFactorState(user.TwoFactorEnabled, await users.CountRecoveryCodesAsync(user), await users.GetAuthenticatorKeyAsync(user) is not null);
    }

    /// <summary>The key (and QR code) to scan. Shown until the person proves it works with a code.</summary>
    public async Task<AuthenticatorSetup> BeginAuthenticatorSetupAsync(string userId)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = Users(scope);
        var user = await users.FindByIdAsync(userId) ?? throw new InvalidOperationException("User not found.");
        var key = await users.GetAuthenticatorKeyAsync(user);
        if (string.IsNullOrEmpty(key) || !user.TwoFactorEnabled)
        {
            // A fresh key every time set-up starts: an old, unused key may have been seen by someone else.
            await users.ResetAuthenticatorKeyAsync(user);
            key = await users.GetAuthenticatorKeyAsync(user);
        }
        return SetupFor(user, key!);
    }

    /// <summary>
    /// A new key for moving two-factor authentication to another device. It is only shown, not stored: the account
    /// keeps its current key, and the current app keeps working, until <see cref="MoveAuthenticatorAsync"/> gets a
    /// code from the new app. Cancelling changes nothing.
    /// </summary>
    public async Task<AuthenticatorSetup> BeginAuthenticatorMoveAsync(string userId)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = Users(scope);
        var user = await users.FindByIdAsync(userId) ?? throw new InvalidOperationException("User not found.");
        return SetupFor(user, users.GenerateNewAuthenticatorKey());
    }

    /// <summary>
    /// Replaces the account's authenticator key with <paramref name="newKey"/> (from <see cref="BeginAuthenticatorMoveAsync"/>)
    /// once <paramref name="code"/> shows the new app holds it. Recovery codes stay as they are; every other session is
    /// signed out, as when 2FA is turned off. Returns why nothing changed, or null.
    /// </summary>
    public async Task<string?> MoveAuthenticatorAsync(string userId, string? currentSessionId, string newKey, string code)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = Users(scope);
        var user = await users.FindByIdAsync(userId) ?? throw new InvalidOperationException("User not found.");
        if (!user.TwoFactorEnabled)
        {
            return "Two-factor authentication is off: set it up instead.";
        }
        var key = newKey.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
        if (!AuthenticatorKeyShape().IsMatch(key) || !await scope.ServiceProvider.GetRequiredService<TotpVerifier>().VerifyEnrolmentAsync(user, key, code))
        {
            return "That code is not right. Enter the current 6-digit code from the new app.";
        }
        var keys = (IUserAuthenticatorKeyStore<AppUser>)scope.ServiceProvider.GetRequiredService<IUserStore<AppUser>>();
        var result = await RecordedAsync(scope, AuditActions.AuthenticatorMoved, userId, async () =>
        {
            await keys.SetAuthenticatorKeyAsync(user, key, CancellationToken.None);
            return await users.UpdateSecurityStampAsync(user);
        });
        if (!result.Succeeded)
        {
            return result.Errors.First().Description;
        }
        await sessions.RevokeAllAsync(userId, new Revocation(RevocationReasons.TwoFactorReset, userId), keepSessionId: currentSessionId);
        return null;
    }

    private static AuthenticatorSetup SetupFor(AppUser user, string key)
    {
        var label = Uri.EscapeDataString($"{Issuer}:{user.Email}");
        var uri = $"otpauth://totp/{label}?secret={key}&issuer={Uri.EscapeDataString(Issuer)}&digits=6";
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(uri, QRCodeGenerator.ECCLevel.Q);
        var png = new PngByteQRCode(data).GetGraphic(5);
        return new AuthenticatorSetup(FormatKey(key), uri, $"data:image/png;base64,{Convert.ToBase64String(png)}");
    }

    // What GenerateNewAuthenticatorKey makes: 20 random bytes in base32.
    [System.Text.RegularExpressions.GeneratedRegex("^[A-Z2-7]{32}$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex AuthenticatorKeyShape();

    /// <summary>Turns 2FA on when <paramref name="code"/> matches the key; returns the new recovery codes.</summary>
    public async Task<(IReadOnlyList<string>? RecoveryCodes, string? Error)> EnableAuthenticatorAsync(string userId, string code)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = Users(scope);
        var user = await users.FindByIdAsync(userId) ?? throw new InvalidOperationException("User not found.");
        var key = await users.GetAuthenticatorKeyAsync(user);
        if (key is null || !await scope.ServiceProvider.GetRequiredService<TotpVerifier>().VerifyEnrolmentAsync(user, key, code))
        {
            return (null, "That code is not right. Enter the current 6-digit code from your app.");
        }
        List<string> codes = [];
        var result = await RecordedAsync(scope, AuditActions.TwoFactorEnabled, userId, async () =>
        {
            var enabled = await users.SetTwoFactorEnabledAsync(user, true);
            if (!enabled.Succeeded)
            {
                return enabled;
            }
            codes = (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, RecoveryCodeCount))?.ToList() ?? [];
            return codes.Count == RecoveryCodeCount ? IdentityResult.Success : IdentityResult.Failed(new IdentityError { Description = "The recovery codes could not be saved." });
        });
        return result.Succeeded ? (codes, null) : (null, result.Errors.First().Description);
    }

    public async Task<IReadOnlyList<string>> RegenerateRecoveryCodesAsync(string userId)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = Users(scope);
        var user = await users.FindByIdAsync(userId) ?? throw new InvalidOperationException("User not found.");
        if (!user.TwoFactorEnabled)
        {
            return [];
        }
        List<string> codes = [];
        var result = await RecordedAsync(scope, AuditActions.RecoveryCodesGenerated, userId, async () =>
        {
            codes = (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, RecoveryCodeCount))?.ToList() ?? [];
            return codes.Count == RecoveryCodeCount ? IdentityResult.Success : IdentityResult.Failed();
        });
        return result.Succeeded ? codes : [];
    }

    /// <remarks>Turning 2FA off or resetting it signs out every other session (ASVS 7.4.3).</remarks>
    public async Task DisableTwoFactorAsync(string userId, string? currentSessionId)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = Users(scope);
        var user = await users.FindByIdAsync(userId) ?? throw new InvalidOperationException("User not found.");
        var result = await RecordedAsync(scope, AuditActions.TwoFactorDisabled, userId, async () =>
        {
            var disabled = await users.SetTwoFactorEnabledAsync(user, false);
            // The old key must not come back to life if 2FA is turned on again (enabling makes new recovery codes).
            return disabled.Succeeded ? await users.ResetAuthenticatorKeyAsync(user) : disabled;
        });
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Two-factor authentication could not be turned off: {result.Errors.First().Description}");
        }
        await sessions.RevokeAllAsync(userId, new Revocation(RevocationReasons.TwoFactorReset, userId), keepSessionId: currentSessionId);
    }

    public async Task<IReadOnlyList<PasskeyView>> ListPasskeysAsync(string userId)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = Users(scope);
        var user = await users.FindByIdAsync(userId) ?? throw new InvalidOperationException("User not found.");
        return (await users.GetPasskeysAsync(user))
            .OrderBy(p => p.CreatedAt)
            .Select(p => new PasskeyView(Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlEncode(p.CredentialId), p.Name ?? "Passkey", p.CreatedAt))
            .ToList();
    }

    public async Task<FieldError?> RenamePasskeyAsync(string userId, string passkeyId, string name)
    {
        name = name.Trim();
        if (name.Length is 0 or > 64)
        {
            return new FieldError("Name", "Use between 1 and 64 characters.");
        }
        await using var scope = scopes.CreateAsyncScope();
        var users = Users(scope);
        var user = await users.FindByIdAsync(userId) ?? throw new InvalidOperationException("User not found.");
        var passkey = TryDecode(passkeyId) is { } id ? await users.GetPasskeyAsync(user, id) : null;
        if (passkey is null)
        {
            return new FieldError(null, "That passkey does not exist any more.");
        }
        passkey.Name = name;
        var result = await RecordedAsync(scope, AuditActions.PasskeyRenamed, userId, () => users.AddOrUpdatePasskeyAsync(user, passkey), new { name });
        return result.Succeeded ? null : new FieldError(null, result.Errors.First().Description);
    }

    public async Task<bool> RemovePasskeyAsync(string userId, string passkeyId)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = Users(scope);
        var user = await users.FindByIdAsync(userId) ?? throw new InvalidOperationException("User not found.");
        return TryDecode(passkeyId) is { } id
            && (await RecordedAsync(scope, AuditActions.PasskeyRemoved, userId, () => users.RemovePasskeyAsync(user, id))).Succeeded;
    }

    public bool IsRecentSignIn(System.Security.Claims.ClaimsPrincipal user) => RecentSignIn.IsRecent(user, time.GetUtcNow());

    private static byte[]? TryDecode(string id)
    {
        try
        {
            return Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlDecode(id);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string FormatKey(string key)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < key.Length; i += 4)
        {
            builder.Append(key.AsSpan(i, Math.Min(4, key.Length - i))).Append(' ');
        }
        return builder.ToString().TrimEnd().ToLowerInvariant();
    }

    private static UserManager<AppUser> Users(AsyncServiceScope scope) => scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
    /// <summary>Runs a change to the person's own account and records its event in the same transaction.</summary>
    private static Task<IdentityResult> RecordedAsync(AsyncServiceScope scope, string action, string userId, Func<Task<IdentityResult>> change, object? details = null) =>
        scope.ServiceProvider.GetRequiredService<AuditLog>().RecordWithAsync(scope.ServiceProvider.GetRequiredService<AppDbContext>(),
            new AuditRecord(action) { ActorUserId = userId, TargetType = AuditTargets.User, TargetId = userId, Details = details }, change);
}
