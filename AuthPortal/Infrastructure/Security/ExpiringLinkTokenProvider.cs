using System.Security.Cryptography;
using System.Text;
using AuthPortal.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;

namespace AuthPortal.Infrastructure.Security;

/// <summary>
/// Tokens for emailed links (confirm email, reset password, change email). Like Identity's
/// DataProtectorTokenProvider they are encrypted and bound to the user's security stamp, but their age is
/// measured with <see cref="TimeProvider"/> (so tests can move the clock) and each purpose has its own lifetime.
/// A token stops working once it has done its job: a password reset or email change rotates the security
/// stamp, and a confirmation token is refused once the address is confirmed.
/// </summary>
public sealed class ExpiringLinkTokenProvider(IDataProtectionProvider dataProtection, TimeProvider time)
    : IUserTwoFactorTokenProvider<AppUser>
{
    public const string ProviderName = "PortalLinks";

    public static TimeSpan LifetimeFor(string purpose) => purpose switch
    {
        UserManager<AppUser>.ResetPasswordTokenPurpose => TimeSpan.FromHours(1),
        UserManager<AppUser>.ConfirmEmailTokenPurpose => TimeSpan.FromDays(1),
        _ => TimeSpan.FromDays(1),
    };

    private readonly IDataProtector _protector = dataProtection.CreateProtector("AuthPortal.EmailLinks.v1");

    public async Task<string> GenerateAsync(string purpose, UserManager<AppUser> manager, AppUser user)
    {
        var stamp = manager.SupportsUserSecurityStamp ? await manager.GetSecurityStampAsync(user) ?? "" : "";
        var payload = string.Join('\n', time.GetUtcNow().UtcTicks, user.Id, purpose, stamp, Bind(purpose, user));
        return Convert.ToBase64String(_protector.Protect(Encoding.UTF8.GetBytes(payload)));
    }

    public async Task<bool> ValidateAsync(string purpose, string token, UserManager<AppUser> manager, AppUser user)
    {
        string[] parts;
        try
        {
            parts = Encoding.UTF8.GetString(_protector.Unprotect(Convert.FromBase64String(token))).Split('\n');
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            return false;
        }
        if (parts.Length != 5 || !long.TryParse(parts[0], out var ticks))
        {
            return false;
        }
        var issued = new DateTimeOffset(ticks, TimeSpan.Zero);
        var now = time.GetUtcNow();
        if (issued > now.AddMinutes(1) || issued + LifetimeFor(purpose) < now)
        {
            return false;
        }
        if (purpose == UserManager<AppUser>.ConfirmEmailTokenPurpose && user.EmailConfirmed)
        {
            return false;
        }
        var stamp = manager.SupportsUserSecurityStamp ? await manager.GetSecurityStampAsync(user) ?? "" : "";
        return parts[1] == user.Id && parts[2] == purpose && parts[3] == stamp && parts[4] == Bind(purpose, user);
    }

    public Task<bool> CanGenerateTwoFactorTokenAsync(UserManager<AppUser> manager, AppUser user) => Task.FromResult(false);

    // A confirmation link belongs to the address it was sent to: changing the address voids it.
    private static string Bind(string purpose, AppUser user) =>
        purpose == UserManager<AppUser>.ConfirmEmailTokenPurpose ? user.NormalizedEmail ?? "" : "";
}
