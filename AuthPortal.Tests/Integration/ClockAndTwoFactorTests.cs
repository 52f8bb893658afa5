using System.Net;
using AuthPortal.Features.Account;
using AuthPortal.Features.Audit;
using AuthPortal.Infrastructure.Security;
using AuthPortal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AuthPortal.Tests.Integration;

/// <summary>Flows that depend on time run on a clock the test moves (TimeProvider).</summary>
public sealed class ClockAndTwoFactorTests : IClassFixture<ClockAndTwoFactorTests.Fixture>
{
    public sealed class Fixture : PortalFactory
    {
        public Fixture() : base(null, PortalSettings.WithAdministrator(DefaultPortal.AdminEmail))
        {
            Clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        }
    }

    private readonly Fixture _factory;

    public ClockAndTwoFactorTests(Fixture factory) => _factory = factory;

    [Fact]
    public async Task AnExpiredResetLinkIsRefused()
    {
        await _factory.CreateUserAsync("slow-reader@example.com");
        var client = _factory.CreatePortalClient();
        await client.SubmitAsync("/Account/ForgotPassword", "forgot-password", new Dictionary<string, string> { ["Input.Email"] = "slow-reader@example.com" });
        var link = new Uri(_factory.Mailbox.LinkIn("slow-reader@example.com", "Reset your password")).PathAndQuery;
        Assert.DoesNotContain("does not work", await (await client.GetAsync(link)).TextAsync());

        _factory.Clock!.Advance(ExpiringLinkTokenProvider.LifetimeFor("ResetPassword") + TimeSpan.FromMinutes(1));

        Assert.Contains("This link does not work any more", await (await client.GetAsync(link)).TextAsync());
        Assert.DoesNotContain("reset-password", await (await client.GetAsync(link)).Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, (await client.SignInAsync("slow-reader@example.com")).StatusCode);
    }

    [Fact]
    public async Task AnExpiredConfirmationLinkIsRefusedAndANewOneWorks()
    {
        var client = _factory.CreatePortalClient();
        await client.SubmitAsync("/Account/Register", "register", new Dictionary<string, string>
        {
            ["Input.Email"] = "late@example.com", ["Input.DisplayName"] = "Late Comer",
            ["Input.Password"] = Accounts.Password, ["Input.ConfirmPassword"] = Accounts.Password,
        });
        var link = new Uri(_factory.Mailbox.LinkIn("late@example.com", "Confirm your email")).PathAndQuery;

        _factory.Clock!.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));

        Assert.Contains("This link does not work", await (await client.GetAsync(link)).TextAsync());
        await client.SubmitAsync("/Account/ResendEmailConfirmation", "resend-confirmation", new Dictionary<string, string> { ["Input.Email"] = "late@example.com" });
        var fresh = new Uri(_factory.Mailbox.LinkIn("late@example.com", "Confirm your email")).PathAndQuery;
        Assert.NotEqual(link, fresh);
        Assert.Contains("Email confirmed", await (await client.GetAsync(fresh)).TextAsync());
    }

    [Fact]
    public async Task SensitivePagesNeedASignInFromTheLastTenMinutes()
    {
        await _factory.CreateUserAsync("sensitive@example.com");
        var client = _factory.CreatePortalClient();
        await client.SignInAsync("sensitive@example.com");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/Account/Passkeys/Add")).StatusCode);

        _factory.Clock!.Advance(TimeSpan.FromMinutes(11));

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

    [Fact]
    public async Task TwoFactorEnrolmentThenSignInWithATotpCode()
    {
        var user = await _factory.CreateUserAsync("two-factor@example.com");
        var self = _factory.Services.GetRequiredService<SelfService>();
        var setup = await self.BeginAuthenticatorSetupAsync(user.Id);
        Assert.StartsWith("data:image/png;base64,", setup.QrCodeDataUri);
        Assert.Contains("otpauth://totp/AuthPortal%3Atwo-factor%40example.com?secret=", setup.Uri);

        var (refused, error) = await self.EnableAuthenticatorAsync(user.Id, "000000");
        Assert.Null(refused);
        Assert.NotNull(error);
        // Identity checks authenticator codes against the real clock, so the codes here come from it too.
        var (codes, _) = await self.EnableAuthenticatorAsync(user.Id, Totp.Code(setup.SharedKey));
        Assert.Equal(10, codes!.Count);

        var client = _factory.CreatePortalClient();
        var password = await client.SignInAsync("two-factor@example.com");
        Assert.Equal(HttpStatusCode.Redirect, password.StatusCode);
        Assert.StartsWith("/Account/LoginWith2fa", password.LocalRedirect());
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/")).StatusCode); // not signed in yet

        var wrong = await client.SubmitAsync(password.LocalRedirect(), "login-2fa", new Dictionary<string, string> { ["Input.Code"] = "123456" });
        Assert.Contains("That code is not right", await wrong.TextAsync());

        var code = Totp.Code(setup.SharedKey);
        var right = await client.SubmitAsync(password.LocalRedirect(), "login-2fa", new Dictionary<string, string> { ["Input.Code"] = code });
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);

        // Someone who saw that code cannot reuse it, even within its 30-second window.
        var thief = _factory.CreatePortalClient();
        var thiefPassword = await thief.SignInAsync("two-factor@example.com");
        var replay = await thief.SubmitAsync(thiefPassword.LocalRedirect(), "login-2fa", new Dictionary<string, string> { ["Input.Code"] = code });
        Assert.Contains("That code is not right", await replay.TextAsync());
        Assert.True(await _factory.WithDbAsync(db => db.AuditEvents.AnyAsync(e => e.Action == AuditActions.TwoFactorEnabled && e.TargetId == user.Id)));
    }

    [Fact]
    public async Task ARecoveryCodeSignsInOnce()
    {
        var user = await _factory.CreateUserAsync("recovery@example.com");
        var self = _factory.Services.GetRequiredService<SelfService>();
        var setup = await self.BeginAuthenticatorSetupAsync(user.Id);
        var (codes, _) = await self.EnableAuthenticatorAsync(user.Id, Totp.Code(setup.SharedKey));
        var code = codes![0];

        var first = _factory.CreatePortalClient();
        await first.SignInAsync("recovery@example.com");
        var used = await first.SubmitAsync("/Account/LoginWithRecoveryCode", "login-recovery", new Dictionary<string, string> { ["Input.RecoveryCode"] = code });
        Assert.Equal(HttpStatusCode.Redirect, used.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await first.GetAsync("/")).StatusCode);

        var second = _factory.CreatePortalClient();
        await second.SignInAsync("recovery@example.com");
        var reused = await second.SubmitAsync("/Account/LoginWithRecoveryCode", "login-recovery", new Dictionary<string, string> { ["Input.RecoveryCode"] = code });
        Assert.Contains("not valid or was already used", await reused.TextAsync());
        Assert.Equal(9, (await self.GetTwoFactorStateAsync(user.Id)).RecoveryCodesLeft);
    }

    [Fact]
    public async Task TheTwoFactorPageWithoutAPasswordStepGoesBackToSignIn()
    {
        var response = await _factory.CreatePortalClient().GetAsync("/Account/LoginWith2fa");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/Account/Login", response.LocalRedirect());
    }
}
