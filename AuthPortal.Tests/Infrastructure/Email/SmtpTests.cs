using System.Text.RegularExpressions;
using MimeKit;

namespace AuthPortal.Tests.Infrastructure.Email;

public sealed class SmtpTests
{
    private static Dictionary<string, string?> Settings(int port, bool allowInsecure) => PortalSettings.WithAdministrator(DefaultPortal.AdminEmail,
        ("Email:Smtp:Host", "127.0.0.1"),
        ("Email:Smtp:Port", port.ToString()),
        ("Email:Smtp:From", "AuthPortal <portal@example.com>"),
        ("Email:Smtp:AllowInsecure", allowInsecure ? "true" : "false"));

    private static Dictionary<string, string> Registration(string email) => new()
    {
        ["Input.Email"] = email, ["Input.DisplayName"] = "Smtp Person",
        ["Input.Password"] = Accounts.Password, ["Input.ConfirmPassword"] = Accounts.Password,
    };

    [Fact]
    public async Task ConfirmationMailGoesThroughARealSmtpServer()
    {
        await using var smtp = new SmtpListener();
        using var factory = new PortalFactory(null, Settings(smtp.Port, allowInsecure: true));
        var client = factory.CreatePortalClient();

        var response = await client.SubmitAsync("/Account/Register", "register", Registration("smtp-user@example.com"));
        await factory.DeliverQueuedMailAsync();

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var (from, to, data) = Assert.Single(smtp.Received);
        Assert.Equal("portal@example.com", from);
        Assert.Equal(["smtp-user@example.com"], to);
        var message = MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(data)));
        Assert.Equal("Confirm your email address", message.Subject);
        Assert.NotNull(message.HtmlBody);
        var link = Regex.Match(message.TextBody!, @"https?://\S+").Value;
        Assert.Contains("Email confirmed", await (await client.GetAsync(new Uri(link).PathAndQuery)).TextAsync());
        Assert.Empty(factory.Mailbox.Messages); // nothing fell back to the pickup directory
        // SMTP mode never writes links to the log (request logging names the path, never the code in the query).
        Assert.DoesNotContain(factory.LogLines, l => l.Contains(new Uri(link).Query.TrimStart('?'), StringComparison.Ordinal));
        Assert.DoesNotContain(factory.LogLines, l => l.Contains("ConfirmEmail?", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Production", false)]
    [InlineData("Development", true)]
    public async Task PickupModeLogsTheLinkOnlyOnADevelopersMachine(string environment, bool linkLogged)
    {
        using var factory = new PortalFactory(null, PortalSettings.WithAdministrator(DefaultPortal.AdminEmail), environment);
        const string link = "https://portal.example/Account/ResetPassword?code=pickup-secret-code";

        await factory.Services.GetRequiredService<AuthPortal.Infrastructure.Email.IMailSender>().SendAsync(
            new AuthPortal.Infrastructure.Email.OutgoingMail("pickup@example.com", "Reset your password", $"Open {link}", $"<a href=\"{link}\">Reset</a>", link));
        await factory.DeliverQueuedMailAsync();

        // The .eml file always holds the link; the log names the file, and only a developer's log holds the link too.
        Assert.Contains(link, Assert.Single(factory.Mailbox.To("pickup@example.com")).TextBody);
        Assert.Contains(factory.LogLines, l => l.Contains("Wrote \"Reset your password\" for pickup@example.com", StringComparison.Ordinal));
        Assert.Equal(linkLogged, factory.LogLines.Any(l => l.Contains("pickup-secret-code", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task WithoutTlsTheMailIsNotSentInClearAndTheAccountCanAskAgain()
    {
        await using var smtp = new SmtpListener();
        using var factory = new PortalFactory(null, Settings(smtp.Port, allowInsecure: false));
        var client = factory.CreatePortalClient();

        var response = await client.SubmitAsync("/Account/Register", "register", Registration("no-tls@example.com"));
        await factory.DeliverQueuedMailAsync();

        // The page does not wait for the mail server (and so says nothing it could reveal); the failure is logged.
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/Account/RegisterConfirmation", response.LocalRedirect());
        Assert.Empty(smtp.Received);
        Assert.Contains(factory.LogLines, l => l.Contains("Could not send \"Confirm your email address\" to no-tls@example.com", StringComparison.Ordinal));
        Assert.True(await factory.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == "no-tls@example.com")));
    }
}
