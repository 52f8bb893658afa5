namespace AuthPortal.Tests.Features.Account;

/// <summary>Links that expire and the recent-sign-in window, on a clock the test moves (TimeProvider).</summary>
public sealed class TimeLimitTests(ClockPortal factory) : IClassFixture<ClockPortal>
{
    [Fact]
    public async Task AnExpiredResetLinkIsRefused()
    {
        await factory.CreateUserAsync("slow-reader@example.com");
        var client = factory.CreatePortalClient();
        await client.SubmitAsync("/Account/ForgotPassword", "forgot-password", new Dictionary<string, string> { ["Input.Email"] = "slow-reader@example.com" });
        var link = new Uri(factory.Mailbox.LinkIn("slow-reader@example.com", "Reset your password")).PathAndQuery;
        Assert.DoesNotContain("does not work", await (await client.GetAsync(link)).TextAsync());

        factory.Clock!.Advance(ExpiringLinkTokenProvider.LifetimeFor("ResetPassword") + TimeSpan.FromMinutes(1));

        Assert.Contains("This link does not work any more", await (await client.GetAsync(link)).TextAsync());
        Assert.DoesNotContain("reset-password", await (await client.GetAsync(link)).Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, (await client.SignInAsync("slow-reader@example.com")).StatusCode);
    }

    [Fact]
    public async Task AnExpiredConfirmationLinkIsRefusedAndANewOneWorks()
    {
        var client = factory.CreatePortalClient();
        await client.SubmitAsync("/Account/Register", "register", new Dictionary<string, string>
        {
            ["Input.Email"] = "late@example.com", ["Input.DisplayName"] = "Late Comer",
            ["Input.Password"] = Accounts.Password, ["Input.ConfirmPassword"] = Accounts.Password,
        });
        var link = new Uri(factory.Mailbox.LinkIn("late@example.com", "Confirm your email")).PathAndQuery;

        factory.Clock!.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));

        Assert.Contains("This link does not work", await (await client.GetAsync(link)).TextAsync());
        await client.SubmitAsync("/Account/ResendEmailConfirmation", "resend-confirmation", new Dictionary<string, string> { ["Input.Email"] = "late@example.com" });
        var fresh = new Uri(factory.Mailbox.LinkIn("late@example.com", "Confirm your email")).PathAndQuery;
        Assert.NotEqual(link, fresh);
        Assert.Contains("Email confirmed", await (await client.GetAsync(fresh)).TextAsync());
    }

    [Fact]
    public async Task SensitivePagesNeedASignInFromTheLastTenMinutes()
    {
        await factory.CreateUserAsync("sensitive@example.com");
        var client = factory.CreatePortalClient();
        await client.SignInAsync("sensitive@example.com");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/Account/Passkeys/Add")).StatusCode);

        factory.Clock!.Advance(TimeSpan.FromMinutes(11));

        var stale = await client.GetAsync("/Account/Passkeys/Add");
        Assert.Equal(HttpStatusCode.Redirect, stale.StatusCode);
        Assert.StartsWith("/Account/Reauthenticate?returnUrl=%2FAccount%2FPasskeys%2FAdd", stale.LocalRedirect());

        var wrong = await client.SubmitAsync(stale.LocalRedirect(), "reauthenticate", new Dictionary<string, string> { ["Input.Password"] = "not my password" });
        Assert.Contains("That password is not right.", await wrong.TextAsync());

        var confirmed = await client.SubmitAsync(stale.LocalRedirect(), "reauthenticate", new Dictionary<string, string> { ["Input.Password"] = Accounts.Password });
        Assert.Equal(HttpStatusCode.Redirect, confirmed.StatusCode);
        Assert.Equal("/Account/Passkeys/Add", confirmed.LocalRedirect());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/Account/Passkeys/Add")).StatusCode);
    }
}
