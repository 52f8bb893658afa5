namespace AuthPortal.Tests.Features.SignIn;

/// <summary>The second step of a sign-in, on a clock the test moves (codes change every 30 seconds).</summary>
public sealed class TwoFactorSignInTests(ClockPortal factory) : IClassFixture<ClockPortal>
{
    [Fact]
    public async Task TwoFactorEnrolmentThenSignInWithATotpCode()
    {
        var user = await factory.CreateUserAsync("two-factor@example.com");
        var self = factory.Services.GetRequiredService<SelfService>();
        var setup = await self.BeginAuthenticatorSetupAsync(user.Id);
        Assert.StartsWith("data:image/png;base64,", setup.QrCodeDataUri);
        Assert.Contains("otpauth://totp/AuthPortal%3Atwo-factor%40example.com?secret=", setup.Uri);

        var (refused, error) = await self.EnableAuthenticatorAsync(user.Id, "000000");
        Assert.Null(refused);
        Assert.NotNull(error);
        // Identity checks authenticator codes against the real clock, so the codes here come from it too.
        var (codes, _) = await self.EnableAuthenticatorAsync(user.Id, Totp.Code(setup.SharedKey));
        Assert.Equal(10, codes!.Count);

        var client = factory.CreatePortalClient();
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
        var thief = factory.CreatePortalClient();
        var thiefPassword = await thief.SignInAsync("two-factor@example.com");
        var replay = await thief.SubmitAsync(thiefPassword.LocalRedirect(), "login-2fa", new Dictionary<string, string> { ["Input.Code"] = code });
        Assert.Contains("That code is not right", await replay.TextAsync());
        Assert.True(await factory.WithDbAsync(db => db.AuditEvents.AnyAsync(e => e.Action == AuditActions.TwoFactorEnabled && e.TargetId == user.Id)));
    }

    [Fact]
    public async Task ARecoveryCodeSignsInOnce()
    {
        var user = await factory.CreateUserAsync("recovery@example.com");
        var self = factory.Services.GetRequiredService<SelfService>();
        var setup = await self.BeginAuthenticatorSetupAsync(user.Id);
        var (codes, _) = await self.EnableAuthenticatorAsync(user.Id, Totp.Code(setup.SharedKey));
        var code = codes![0];

        var first = factory.CreatePortalClient();
        await first.SignInAsync("recovery@example.com");
        var used = await first.SubmitAsync("/Account/LoginWithRecoveryCode", "login-recovery", new Dictionary<string, string> { ["Input.RecoveryCode"] = code });
        Assert.Equal(HttpStatusCode.Redirect, used.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await first.GetAsync("/")).StatusCode);

        var second = factory.CreatePortalClient();
        await second.SignInAsync("recovery@example.com");
        var reused = await second.SubmitAsync("/Account/LoginWithRecoveryCode", "login-recovery", new Dictionary<string, string> { ["Input.RecoveryCode"] = code });
        Assert.Contains("not valid or was already used", await reused.TextAsync());
        Assert.Equal(9, (await self.GetTwoFactorStateAsync(user.Id)).RecoveryCodesLeft);
    }

    [Fact]
    public async Task TheTwoFactorPageWithoutAPasswordStepGoesBackToSignIn()
    {
        var response = await factory.CreatePortalClient().GetAsync("/Account/LoginWith2fa");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/Account/Login", response.LocalRedirect());
    }
}
