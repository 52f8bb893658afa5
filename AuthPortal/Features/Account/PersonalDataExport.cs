using AuthPortal.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AuthPortal.Features.Account;

/// <summary>Everything the portal holds about one person, for "download my data" (GDPR art. 15/20).</summary>
public sealed class PersonalDataExport(AppDbContext db, UserManager<AppUser> userManager)
{
    public async Task<object> ExportAsync(AppUser user, CancellationToken cancellationToken = default)
    {
        var roles = await userManager.GetRolesAsync(user);
        var passkeys = await userManager.GetPasskeysAsync(user);
        var logins = await userManager.GetLoginsAsync(user);
        var events = await db.AuditEvents.AsNoTracking()
            .Where(e => e.ActorUserId == user.Id || (e.TargetType == "user" && e.TargetId == user.Id))
            .OrderBy(e => e.Id)
            .Select(e => new { e.OccurredAt, e.Action, e.Succeeded, e.IpAddress, e.UserAgent, e.Details })
            .ToListAsync(cancellationToken);
        return new
        {
            account = new
            {
                user.Id, user.UserName, user.Email, user.EmailConfirmed, user.DisplayName, user.TimeZone,
                user.CreatedAt, user.LastSignInAt, user.TwoFactorEnabled, user.PhoneNumber, user.LockoutEnd,
            },
            roles,
            // Secrets (password hash, authenticator key, recovery codes, passkey public keys) are not exported.
            passkeys = passkeys.Select(p => new { p.Name, p.CreatedAt, credentialId = Convert.ToBase64String(p.CredentialId) }),
            externalLogins = logins.Select(l => new { l.LoginProvider, l.ProviderDisplayName }),
            recoveryCodesLeft = await userManager.CountRecoveryCodesAsync(user),
            activity = events,
        };
    }
}
