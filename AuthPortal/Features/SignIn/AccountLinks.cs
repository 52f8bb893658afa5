using System.Text;
using AuthPortal.Data;
using AuthPortal.Features.Audit;
using AuthPortal.Features.Sessions;
using AuthPortal.Infrastructure.Email;
using AuthPortal.Infrastructure.Security;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;

namespace AuthPortal.Features.SignIn;

/// <summary>
/// The emailed-link flows: resend confirmation, forgot/reset password and change email.
/// Answers never depend on whether an address has an account (no enumeration).
/// </summary>
public sealed class AccountLinks(
    UserManager<AppUser> userManager,
    AppDbContext db,
    IDataProtectionProvider dataProtection,
    IEmailSender<AppUser> accountEmails,
    IMailSender mail,
    AuditLog audit,
    SessionStore sessions,
    MailQuota quota,
    TimeProvider time)
{
    /// <summary>
    /// Set in the browser that registers, holding (encrypted) the address it registered. The confirmation link proves the
    /// address; this cookie proves that the person confirming also chose the password. Set for taken addresses too, so
    /// the answer to a registration looks the same either way.
    /// </summary>
    public const string RegistrantCookie = "AuthPortal.Registrant";

    public enum Confirmation { Confirmed, AlreadyConfirmed, ChoosePassword, Invalid }

    public sealed record ConfirmationResult(Confirmation Outcome, string? ResetCode = null);

    private ITimeLimitedDataProtector Registrants => dataProtection.CreateProtector("AuthPortal.Registrant.v1").ToTimeLimitedDataProtector();

    /// <summary>Marks this browser as the one that registered <paramref name="email"/> (for a day, as long as the link lasts).</summary>
    public void RememberRegistrant(HttpResponse response, string email) =>
        response.Cookies.Append(RegistrantCookie, Registrants.Protect(email.Trim().ToUpperInvariant(), TimeSpan.FromDays(1)), new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = response.HttpContext.Request.IsHttps, Path = "/Account", MaxAge = TimeSpan.FromDays(1),
        });

    /// <summary>
    /// Confirms the address. When the browser confirming is not the one that registered (another person asked for the
    /// link again, or the account was registered through the API), the address's owner is confirming an account whose
    /// password someone else may have chosen: that password stops working, and the owner chooses one with the reset
    /// code returned.
    /// </summary>
    public async Task<ConfirmationResult> ConfirmEmailAsync(string? userId, string? code, HttpRequest request)
    {
        if (userId is null || Decode(code) is not { } token || await userManager.FindByIdAsync(userId) is not { } user)
        {
            return new ConfirmationResult(Confirmation.Invalid);
        }
        if (user.EmailConfirmed)
        {
            return new ConfirmationResult(Confirmation.AlreadyConfirmed);
        }
        var choosePassword = await userManager.HasPasswordAsync(user) && !IsRegistrant(request, user.Email!);
        // The confirmation, the removal of a password someone else may have chosen, and the event commit together.
        var confirmed = await audit.RecordWithAsync(db,
            new AuditRecord(AuditActions.EmailConfirmed) { ActorUserId = user.Id, TargetType = AuditTargets.User, TargetId = user.Id, Details = new { passwordRemoved = choosePassword } },
            async () =>
            {
                var result = await userManager.ConfirmEmailAsync(user, token);
                return result.Succeeded && choosePassword ? await userManager.RemovePasswordAsync(user) : result;
            });
        if (!confirmed.Succeeded)
        {
            return new ConfirmationResult(Confirmation.Invalid);
        }
        if (choosePassword)
        {
            await sessions.RevokeAllAsync(user.Id, new Revocation(RevocationReasons.PasswordReset, user.Id));
            return new ConfirmationResult(Confirmation.ChoosePassword, Encode(await userManager.GeneratePasswordResetTokenAsync(user)));
        }
        return new ConfirmationResult(Confirmation.Confirmed);
    }

    private bool IsRegistrant(HttpRequest request, string email)
    {
        try
        {
            return request.Cookies[RegistrantCookie] is { } cookie && Registrants.Unprotect(cookie) == email.Trim().ToUpperInvariant();
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }

    public static string Encode(string token) => WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(token));

    public static string? Decode(string? code)
    {
        if (string.IsNullOrEmpty(code))
        {
            return null;
        }
        try
        {
            return Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(code));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string Link(string baseUri, string path, Dictionary<string, string?> query) =>
        QueryHelpers.AddQueryString(new Uri(new Uri(baseUri), path.TrimStart('/')).ToString(), query);

    /// <summary>
    /// The confirmation link; after confirming, signing in continues to <paramref name="returnUrl"/> (a path on this site only).
    /// False when the address had its share of links for now. Public forms must not show which.
    /// </summary>
    public async Task<bool> SendConfirmationAsync(AppUser user, string baseUri, string? returnUrl = null)
    {
        if (!quota.TryTake(user.Email!))
        {
            return false;
        }
        var code = Encode(await userManager.GenerateEmailConfirmationTokenAsync(user));
        await accountEmails.SendConfirmationLinkAsync(user, user.Email!,
            Link(baseUri, AccountRoutes.ConfirmEmail, new()
            {
                ["userId"] = user.Id, ["code"] = code, ["returnUrl"] = LocalUrl.OrHome(returnUrl) is var local && local != "/" ? local : null,
            }));
        return true;
    }

    /// <summary>
    /// An account an administrator made: its owner chooses the password through a link to the address (an administrator
    /// never sets or sees one), and opening it also confirms the address.
    /// </summary>
    public async Task SendWelcomeAsync(AppUser user, string baseUri)
    {
        var code = Encode(await userManager.GeneratePasswordResetTokenAsync(user));
        await mail.SendAsync(AccountEmails.Compose(user.Email!, "Your AuthPortal account",
            "An administrator created an AuthPortal account for this address. Choose your password to start using it. The link works once and expires soon.",
            "Choose your password", Link(baseUri, AccountRoutes.ResetPassword, new() { ["userId"] = user.Id, ["code"] = code }),
            "If you did not expect this, ignore this message: nobody can sign in to the account until a password is chosen."));
    }

    /// <summary>An administrator's "send password reset": the same link the owner could ask for, whatever the address's state.</summary>
    public async Task<bool> SendPasswordResetByAdministratorAsync(string userId, string actorUserId, string baseUri)
    {
        var user = await userManager.FindByIdAsync(userId);
        if (user?.Email is null || user.IsServiceAccount)
        {
            return false;
        }
        var code = Encode(await userManager.GeneratePasswordResetTokenAsync(user));
        await accountEmails.SendPasswordResetLinkAsync(user, user.Email,
            Link(baseUri, AccountRoutes.ResetPassword, new() { ["userId"] = user.Id, ["code"] = code }));
        await audit.RecordAsync(new AuditRecord(AuditActions.PasswordResetRequested)
        {
            ActorUserId = actorUserId, TargetType = AuditTargets.User, TargetId = user.Id, Details = new { byAdministrator = true },
        });
        return true;
    }

    /// <summary>Sends a new confirmation link when the address belongs to an unconfirmed account; otherwise nothing.</summary>
    /// <summary>
    /// Sends a new confirmation link when the address has an unconfirmed account. True when a link went out; only an
    /// administrator's page may show it (the public form and API answer the same either way).
    /// </summary>
    public async Task<bool> ResendConfirmationAsync(string email, string baseUri)
    {
        var user = await userManager.FindByEmailAsync(email.Trim());
        return user is { EmailConfirmed: false } && await SendConfirmationAsync(user, baseUri);
    }

    /// <summary>Sends a reset link when the address has a confirmed account; otherwise nothing.</summary>
    public async Task SendPasswordResetAsync(string email, string baseUri)
    {
        var user = await userManager.FindByEmailAsync(email.Trim());
        if (user is null || !user.EmailConfirmed || user.DisabledAt is not null || LockoutRules.IsHeldByAdministrator(user, time.GetUtcNow())
            || !quota.TryTake(user.Email!))
        {
            return;
        }
        var code = Encode(await userManager.GeneratePasswordResetTokenAsync(user));
        await accountEmails.SendPasswordResetLinkAsync(user, user.Email!,
            Link(baseUri, AccountRoutes.ResetPassword, new() { ["userId"] = user.Id, ["code"] = code }));
        await audit.RecordAsync(new AuditRecord(AuditActions.PasswordResetRequested) { TargetType = AuditTargets.User, TargetId = user.Id });
    }

    public async Task<bool> IsResetLinkValidAsync(string? userId, string? code) =>
        userId is not null && Decode(code) is { } token && await userManager.FindByIdAsync(userId) is { } user
        && await userManager.VerifyUserTokenAsync(user, userManager.Options.Tokens.PasswordResetTokenProvider, UserManager<AppUser>.ResetPasswordTokenPurpose, token);

    /// <summary>Resets the password; a used or expired link fails with <c>InvalidToken</c>.</summary>
    public async Task<IdentityResult> ResetPasswordAsync(string userId, string code, string newPassword)
    {
        var user = await userManager.FindByIdAsync(userId);
        if (user is null || Decode(code) is not { } token)
        {
            return IdentityResult.Failed(userManager.ErrorDescriber.InvalidToken());
        }
        var result = await audit.RecordWithAsync(db,
            new AuditRecord(AuditActions.PasswordReset) { ActorUserId = user.Id, TargetType = AuditTargets.User, TargetId = user.Id },
            async () =>
            {
                var reset = await userManager.ResetPasswordAsync(user, token, newPassword);
                if (!reset.Succeeded)
                {
                    return reset;
                }
                // Someone who could read the mailbox proved it; a lockout from guessing no longer applies
                // (a lock an administrator set, or one that lasts until an administrator lifts it, stays).
                if (!LockoutRules.IsHeldByAdministrator(user, time.GetUtcNow()))
                {
                    user.LockoutEnd = null;
                    user.AccessFailedCount = 0;
                }
                // The link reached the mailbox, which proves the address (an account an administrator made starts unconfirmed).
                if (!user.EmailConfirmed)
                {
                    user.EmailConfirmed = true;
                    audit.Append(db, new AuditRecord(AuditActions.EmailConfirmed) { ActorUserId = user.Id, TargetType = AuditTargets.User, TargetId = user.Id });
                }
                return await userManager.UpdateAsync(user);
            });
        if (result.Succeeded)
        {
            await mail.SendAsync(AccountEmails.Notice(user.Email!, "Your password was reset",
                "The password of your AuthPortal account was just reset through a link sent to this address. Every session was signed out."));
            // Whoever knew the old password is out: every session ends.
            await sessions.RevokeAllAsync(user.Id, new Revocation(RevocationReasons.PasswordReset, user.Id));
        }
        return result;
    }

    /// <summary>Sends a link to the new address; the email changes only when that link is opened.</summary>
    public async Task<IdentityResult> RequestEmailChangeAsync(AppUser user, string newEmail, string baseUri)
    {
        newEmail = newEmail.Trim();
        if (string.Equals(newEmail, user.Email, StringComparison.OrdinalIgnoreCase))
        {
            return IdentityResult.Failed(new IdentityError { Code = "SameEmail", Description = "This is already your email address." });
        }
        if (await userManager.FindByEmailAsync(newEmail) is not null)
        {
            if (!quota.TryTake(newEmail))
            {
                return IdentityResult.Success;
            }
            // Tell the owner of that address instead of the requester (no enumeration).
            await mail.SendAsync(AccountEmails.Compose(newEmail, "Someone tried to use your email address",
                "Someone asked to move an AuthPortal account to this email address, which already has an account. Nothing was changed.",
                "Sign in", new Uri(new Uri(baseUri), AccountRoutes.Login.TrimStart('/')).ToString(), "If this was you, sign in with this address instead."));
            return IdentityResult.Success;
        }
        var code = Encode(await userManager.GenerateChangeEmailTokenAsync(user, newEmail));
        await accountEmails.SendConfirmationLinkAsync(user, newEmail,
            Link(baseUri, AccountRoutes.ConfirmEmailChange, new() { ["userId"] = user.Id, ["email"] = newEmail, ["code"] = code }));
        await audit.RecordAsync(new AuditRecord(AuditActions.EmailChangeRequested) { ActorUserId = user.Id, TargetType = AuditTargets.User, TargetId = user.Id });
        return IdentityResult.Success;
    }

    public async Task<IdentityResult> ConfirmEmailChangeAsync(string? userId, string? email, string? code)
    {
        if (userId is null || email is null || Decode(code) is not { } token || await userManager.FindByIdAsync(userId) is not { } user)
        {
            return IdentityResult.Failed(userManager.ErrorDescriber.InvalidToken());
        }
        var oldEmail = user.Email;
        var usedEmailAsUserName = string.Equals(user.UserName, oldEmail, StringComparison.OrdinalIgnoreCase);
        // The address, the user name that followed it, and the event commit together (a refused user name undoes the change).
        var result = await audit.RecordWithAsync(db,
            new AuditRecord(AuditActions.EmailChanged) { ActorUserId = user.Id, TargetType = AuditTargets.User, TargetId = user.Id, Details = new { from = oldEmail, to = email } },
            async () =>
            {
                var changed = await userManager.ChangeEmailAsync(user, email, token);
                return changed.Succeeded && usedEmailAsUserName ? await userManager.SetUserNameAsync(user, email) : changed;
            });
        if (!result.Succeeded)
        {
            return result;
        }
        // The old address hears of it: if the change was not its owner's doing, this is how they find out.
        if (!string.IsNullOrEmpty(oldEmail))
        {
            await mail.SendAsync(AccountEmails.Notice(oldEmail, "Your email address was changed",
                $"The AuthPortal account that used this address now signs in with {email}. Messages about it go there from now on."));
        }
        return result;
    }
}
