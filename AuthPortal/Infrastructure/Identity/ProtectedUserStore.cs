using System.Security.Cryptography;
using System.Text;
using AuthPortal.Data;
using AuthPortal.Infrastructure.Database;
using AuthPortal.Infrastructure.Security;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace AuthPortal.Infrastructure.Identity;

/// <summary>
/// Identity's EF Core user store, with the second-factor secrets kept out of reach of a database copy:
/// authenticator keys are encrypted with Data Protection, recovery codes are stored as keyed hashes
/// (<see cref="ServerSecrets"/>) and compared in constant time.
/// </summary>
public sealed class ProtectedUserStore(AppDbContext context, IdentityErrorDescriber describer, IDataProtectionProvider dataProtection, ServerSecrets secrets,
    IRecoveryCodeRedemptionRecorder redemptions)
    : UserStore<AppUser, AppRole, AppDbContext, string>(context, describer)
{
    public const string AuthenticatorKeyPurpose = "AuthPortal.AuthenticatorKeys.v1";

    private readonly IDataProtector _authenticatorKeys = dataProtection.CreateProtector(AuthenticatorKeyPurpose);

    /// <summary>A create that loses a race for its email or user name is Identity's "taken" error, not an exception.</summary>
    public override async Task<IdentityResult> CreateAsync(AppUser user, CancellationToken cancellationToken = default)
    {
        try
        {
            return await base.CreateAsync(user, cancellationToken);
        }
        catch (DbUpdateException exception) when (UniqueViolation.Is(exception))
        {
            Context.Entry(user).State = EntityState.Detached;
            return IdentityResult.Failed(Taken(user));
        }
    }

    /// <summary>An email change that loses a race for the address is Identity's "taken" error, not an exception.</summary>
    public override async Task<IdentityResult> UpdateAsync(AppUser user, CancellationToken cancellationToken = default)
    {
        try
        {
            return await base.UpdateAsync(user, cancellationToken);
        }
        catch (DbUpdateException exception) when (UniqueViolation.Is(exception))
        {
            await Context.Entry(user).ReloadAsync(cancellationToken);
            return IdentityResult.Failed(Taken(user));
        }
    }

    private IdentityError Taken(AppUser user) =>
        user.Email is { } email ? ErrorDescriber.DuplicateEmail(email) : ErrorDescriber.DuplicateUserName(user.UserName ?? "");

    public override Task SetAuthenticatorKeyAsync(AppUser user, string key, CancellationToken cancellationToken) =>
        base.SetAuthenticatorKeyAsync(user, _authenticatorKeys.Protect(key), cancellationToken);

    public override async Task<string?> GetAuthenticatorKeyAsync(AppUser user, CancellationToken cancellationToken) =>
        await base.GetAuthenticatorKeyAsync(user, cancellationToken) is { } stored ? _authenticatorKeys.Unprotect(stored) : null;

    public override async Task ReplaceCodesAsync(AppUser user, IEnumerable<string> recoveryCodes, CancellationToken cancellationToken)
    {
        var hashes = new List<string>();
        foreach (var code in recoveryCodes)
        {
            hashes.Add(await HashAsync(code, cancellationToken));
        }
        await base.ReplaceCodesAsync(user, hashes, cancellationToken);
    }

    public override async Task<bool> RedeemCodeAsync(AppUser user, string code, CancellationToken cancellationToken)
    {
        var stored = await GetTokenAsync(user, InternalLoginProvider, RecoveryCodeTokenName, cancellationToken) ?? "";
        var hashes = stored.Split(';', StringSplitOptions.RemoveEmptyEntries);
        var candidate = Encoding.ASCII.GetBytes(await HashAsync(code, cancellationToken));
        // Every stored hash is compared, whether or not an earlier one matched: the time taken says nothing.
        var match = -1;
        for (var i = 0; i < hashes.Length; i++)
        {
            if (CryptographicOperations.FixedTimeEquals(candidate, Encoding.ASCII.GetBytes(hashes[i])))
            {
                match = i;
            }
        }
        if (match < 0)
        {
            return false;
        }
        await SetTokenAsync(user, InternalLoginProvider, RecoveryCodeTokenName, string.Join(';', hashes.Where((_, i) => i != match)), cancellationToken);
        // The event joins this unit of work: Identity's UpdateAsync saves the spent code and its record together.
        redemptions.Record(Context, user, hashes.Length - 1);
        return true;
    }

    private Task<string> HashAsync(string code, CancellationToken cancellationToken) => HashRecoveryCodeAsync(secrets, code, cancellationToken);

    // Codes are typed by people: case and dashes are not part of the secret.
    internal static Task<string> HashRecoveryCodeAsync(ServerSecrets secrets, string code, CancellationToken cancellationToken) =>
        secrets.HashAsync(ServerSecrets.RecoveryCodes, code.Trim().Replace("-", "", StringComparison.Ordinal).ToUpperInvariant(), cancellationToken);

    private const string InternalLoginProvider = "[AspNetUserStore]";
    private const string RecoveryCodeTokenName = "RecoveryCodes";
}

/// <summary>Adds the "recovery code used" record to the context that is about to save the spent code.</summary>
public interface IRecoveryCodeRedemptionRecorder
{
    void Record(AppDbContext db, AppUser user, int codesLeft);
}

/// <summary>Brings second-factor secrets stored by earlier versions (in clear) under the same protection, once, at start.</summary>
public static partial class StoredSecondFactorSecrets
{
    public static async Task<int> ProtectAsync(AppDbContext db, IDataProtectionProvider dataProtection, ServerSecrets secrets, CancellationToken cancellationToken = default)
    {
        var protector = dataProtection.CreateProtector(ProtectedUserStore.AuthenticatorKeyPurpose);
        var tokens = await db.UserTokens.Where(t => t.LoginProvider == "[AspNetUserStore]" && (t.Name == "AuthenticatorKey" || t.Name == "RecoveryCodes"))
            .ToListAsync(cancellationToken);
        var changed = 0;
        foreach (var token in tokens.Where(t => !string.IsNullOrEmpty(t.Value)))
        {
            if (token.Name == "AuthenticatorKey" && ClearAuthenticatorKey().IsMatch(token.Value!))
            {
                token.Value = protector.Protect(token.Value!);
                changed++;
            }
            else if (token.Name == "RecoveryCodes" && token.Value!.Split(';', StringSplitOptions.RemoveEmptyEntries).Any(code => !HashedCode().IsMatch(code)))
            {
                var hashes = new List<string>();
                foreach (var code in token.Value.Split(';', StringSplitOptions.RemoveEmptyEntries))
                {
                    hashes.Add(HashedCode().IsMatch(code) ? code : await ProtectedUserStore.HashRecoveryCodeAsync(secrets, code, cancellationToken));
                }
                token.Value = string.Join(';', hashes);
                changed++;
            }
        }
        await db.SaveChangesAsync(cancellationToken);
        return changed;
    }

    // Identity's authenticator keys are Base32; a protected one is base64url and starts with Data Protection's header.
    [System.Text.RegularExpressions.GeneratedRegex("^[A-Z2-7]{16,}$")]
    private static partial System.Text.RegularExpressions.Regex ClearAuthenticatorKey();

    [System.Text.RegularExpressions.GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial System.Text.RegularExpressions.Regex HashedCode();
}
