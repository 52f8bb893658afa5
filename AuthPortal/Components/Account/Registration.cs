using System.Text;
using AuthPortal.Data;
using AuthPortal.Features.Audit;
using AuthPortal.Infrastructure.Email;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;

namespace AuthPortal.Components.Account;

/// <summary>Self-registration: creates the account, records it and sends the confirmation link.</summary>
public sealed class Registration(
    UserManager<AppUser> userManager,
    IEmailSender<AppUser> accountEmails,
    IMailSender mail,
    AuditLog audit,
    TimeProvider time)
{
    public sealed record Outcome(IdentityResult Result, AppUser? User, bool AlreadyRegistered);

    public async Task<Outcome> RegisterAsync(string email, string displayName, string password, string baseUri)
    {
        email = email.Trim();
        var existing = await userManager.FindByEmailAsync(email);
        if (existing is not null)
        {
            // Tell the address's owner instead of the visitor, so registration does not reveal which
            // emails have accounts.
            await mail.SendAsync(AccountEmails.Compose(email, "Someone tried to register with your email",
                "Someone tried to create an AuthPortal account with this email address, which already has one.",
                "Sign in", new Uri(new Uri(baseUri), "Account/Login").ToString(),
                "If this was you, sign in instead. If not, you can ignore this message."));
            return new Outcome(IdentityResult.Success, existing, AlreadyRegistered: true);
        }

        var user = new AppUser
        {
            UserName = email,
            Email = email,
            DisplayName = displayName.Trim(),
            CreatedAt = time.GetUtcNow(),
        };
        var result = await userManager.CreateAsync(user, password);
        if (!result.Succeeded)
        {
            return new Outcome(result, null, AlreadyRegistered: false);
        }

        await audit.RecordAsync(new AuditRecord(AuditActions.Registered)
        {
            ActorUserId = user.Id, TargetType = "user", TargetId = user.Id, Details = new { method = "self" },
        });
        await SendConfirmationAsync(user, baseUri);
        return new Outcome(result, user, AlreadyRegistered: false);
    }

    public async Task SendConfirmationAsync(AppUser user, string baseUri)
    {
        var code = await userManager.GenerateEmailConfirmationTokenAsync(user);
        code = WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(code));
        var link = QueryHelpers.AddQueryString(new Uri(new Uri(baseUri), "Account/ConfirmEmail").ToString(),
            new Dictionary<string, string?> { ["userId"] = user.Id, ["code"] = code });
        await accountEmails.SendConfirmationLinkAsync(user, user.Email!, link);
    }
}
