using AuthPortal.Infrastructure.Options;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace AuthPortal.Infrastructure.Email;

/// <summary>A message the portal sends: a subject, a plain-text body, an HTML body and the link it is about.</summary>
public sealed record OutgoingMail(string To, string Subject, string TextBody, string HtmlBody, string? ActionLink = null);

/// <summary>The boundary to the outside mail system.</summary>
public interface IMailSender
{
    Task SendAsync(OutgoingMail mail, CancellationToken cancellationToken = default);
}

/// <summary>
/// Sends through SMTP (MailKit) when <c>Email:Smtp:Host</c> is set; otherwise writes each message as an
/// .eml file into <c>Email:PickupDirectory</c>, so the embedded default works with no mail server.
/// </summary>
internal sealed class MailKitMailSender(IOptions<EmailOptions> options, IHostEnvironment environment, ILogger<MailKitMailSender> logger)
    : IMailSender
{
    public async Task SendAsync(OutgoingMail mail, CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(settings.Smtp.From));
        message.To.Add(MailboxAddress.Parse(mail.To));
        message.Subject = mail.Subject;
        message.Body = new BodyBuilder { TextBody = mail.TextBody, HtmlBody = mail.HtmlBody }.ToMessageBody();

        if (string.IsNullOrWhiteSpace(settings.Smtp.Host))
        {
            var directory = PickupDirectory(settings, environment);
            Directory.CreateDirectory(directory);
            var path = Path.Combine(directory, $"{DateTime.UtcNow:yyyyMMddHHmmssfff}-{Guid.NewGuid():N}.eml");
            await message.WriteToAsync(path, cancellationToken);
            // A link is a live secret (a reset code, an invitation): logs travel further than the pickup
            // directory, so only a developer's machine gets it in the log. Elsewhere the .eml file holds it.
            if (environment.IsDevelopment())
            {
                logger.LogInformation("Wrote \"{Subject}\" for {To} to {Path}. Link: {ActionLink}", mail.Subject, mail.To, path, mail.ActionLink);
            }
            else
            {
                logger.LogInformation("Wrote \"{Subject}\" for {To} to {Path}", mail.Subject, mail.To, path);
            }
            return;
        }

        using var client = new SmtpClient();
        // Never send credentials or links in clear unless the operator explicitly allowed it.
        var security = settings.Smtp.Port == 465 ? SecureSocketOptions.SslOnConnect
            : settings.Smtp.AllowInsecure ? SecureSocketOptions.StartTlsWhenAvailable
            : SecureSocketOptions.StartTls;
        await client.ConnectAsync(settings.Smtp.Host, settings.Smtp.Port, security, cancellationToken);
        if (!string.IsNullOrEmpty(settings.Smtp.UserName))
        {
            await client.AuthenticateAsync(settings.Smtp.UserName, settings.Smtp.Password ?? "", cancellationToken);
        }
        await client.SendAsync(message, cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
        logger.LogInformation("Sent \"{Subject}\" to {To} through {Host}", mail.Subject, mail.To, settings.Smtp.Host);
    }

    public static string PickupDirectory(EmailOptions settings, IHostEnvironment environment) =>
        Path.GetFullPath(Path.Combine(environment.ContentRootPath, settings.PickupDirectory));
}
