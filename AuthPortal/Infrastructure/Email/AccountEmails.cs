using System.Net;
using AuthPortal.Data;
using Microsoft.AspNetCore.Identity;

namespace AuthPortal.Infrastructure.Email;

/// <summary>The product-branded account messages Identity asks for (HTML and text bodies).</summary>
internal sealed class AccountEmails(IMailSender sender) : IEmailSender<AppUser>
{
    public Task SendConfirmationLinkAsync(AppUser user, string email, string confirmationLink) =>
        sender.SendAsync(Compose(email, "Confirm your email address",
            // No text the registrant chose (such as their display name): the address is not confirmed yet, and the
            // portal must not carry someone's words to any inbox they name.
            "Welcome to AuthPortal. Confirm your email address to finish setting up your account.",
            "Confirm email", confirmationLink,
            "If you did not create this account, you can ignore this message."));

    public Task SendPasswordResetLinkAsync(AppUser user, string email, string resetLink) =>
        sender.SendAsync(Compose(email, "Reset your password",
            "Someone asked to reset the password of your AuthPortal account. The link works once and expires soon.",
            "Choose a new password", resetLink,
            "If this was not you, ignore this message: your password stays as it is."));

    public Task SendPasswordResetCodeAsync(AppUser user, string email, string resetCode) =>
        sender.SendAsync(new OutgoingMail(email, "Your password reset code",
            $"Your AuthPortal password reset code is: {resetCode}",
            Layout("Your password reset code", $"<p>Your password reset code is:</p><p style=\"font-size:20px;font-family:monospace\">{WebUtility.HtmlEncode(resetCode)}</p>")));

    /// <summary>
    /// A security notice to an account's own (confirmed) address: something changed, and what to do if it was not the
    /// owner (ASVS V6). It carries no link: a notice is not a place to click.
    /// </summary>
    public static OutgoingMail Notice(string to, string subject, string what)
    {
        const string advice = "If this was not you, reset your password from the sign-in page at once and tell your administrator.";
        var text = $"{what}\n\n{advice}\n\n— AuthPortal";
        var html = Layout(subject, $"<p>{WebUtility.HtmlEncode(what)}</p><p style=\"font-size:12px;color:#666\">{WebUtility.HtmlEncode(advice)}</p>");
        return new OutgoingMail(to, subject, text, html);
    }

    internal static OutgoingMail Compose(string to, string subject, string intro, string buttonText, string link, string footer)
    {
        var text = $"{intro}\n\n{buttonText}: {link}\n\n{footer}\n\n— AuthPortal";
        var encodedLink = WebUtility.HtmlEncode(link);
        var html = Layout(subject,
            $"<p>{WebUtility.HtmlEncode(intro)}</p>" +
            $"<p><a href=\"{encodedLink}\" style=\"display:inline-block;background:#3949ab;color:#fff;padding:10px 18px;border-radius:4px;text-decoration:none\">{WebUtility.HtmlEncode(buttonText)}</a></p>" +
            $"<p style=\"font-size:12px;color:#666\">Or paste this address into your browser: {encodedLink}</p>" +
            $"<p style=\"font-size:12px;color:#666\">{WebUtility.HtmlEncode(footer)}</p>");
        return new OutgoingMail(to, subject, text, html, link);
    }

    private static string Layout(string title, string body) =>
        $"<!DOCTYPE html><html><body style=\"font-family:Roboto,Arial,sans-serif;background:#f5f5f5;padding:24px\">" +
        $"<div style=\"max-width:520px;margin:auto;background:#fff;border-radius:8px;padding:24px\">" +
        $"<div style=\"font-weight:600;color:#3949ab;font-size:18px\">AuthPortal</div>" +
        $"<h2 style=\"font-weight:500\">{WebUtility.HtmlEncode(title)}</h2>{body}</div></body></html>";
}
