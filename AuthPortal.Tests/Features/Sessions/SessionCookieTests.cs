namespace AuthPortal.Tests.Features.Sessions;

public sealed class SessionCookieTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    [Fact]
    public async Task ARotatedSecurityStampDoesNotSignOutTheBrowserThatMadeTheChange()
    {
        var user = await factory.CreateUserAsync("stamp@example.com");
        var client = factory.CreatePortalClient();
        await client.SignInAsync("stamp@example.com");

        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            await users.UpdateSecurityStampAsync((await users.FindByIdAsync(user.Id))!);
        }

        // Sessions, not the stamp, decide: this session was not revoked, so it keeps working.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task ADeletedAccountsSessionStopsAtOnceEvenWhenCached()
    {
        await factory.CreateUserAsync("deleted-cached@example.com");
        var client = factory.CreatePortalClient();
        var token = (await ApiClient.GetTokensAsync(client, "deleted-cached@example.com")).AccessToken;
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/api/me", token)).StatusCode); // cached as valid

        var cookieClient = factory.CreatePortalClient();
        await cookieClient.SignInAsync("deleted-cached@example.com");
        var deleted = await cookieClient.SubmitAsync("/Account/DeleteAccount", "delete-account",
            new Dictionary<string, string> { ["Input.Password"] = Accounts.Password, ["Input.Confirmation"] = "DELETE" });
        Assert.Equal(HttpStatusCode.Redirect, deleted.StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithTokenAsync("/api/me", token)).StatusCode);
    }

    [Fact]
    public async Task APageRequestWithAnEndedSessionGoesToALoginPageThatSaysWhyAndComesBack()
    {
        var user = await factory.CreateUserAsync("ended-page@example.com");
        var client = factory.CreatePortalClient();
        await client.SignInAsync("ended-page@example.com");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/sessions")).StatusCode);
        await factory.Services.GetRequiredService<SessionStore>().RevokeAllAsync(user.Id, new Revocation(RevocationReasons.RevokedByAdmin, null));

        var page = await client.GetAsync("/sessions");

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        var target = page.LocalRedirect();
        Assert.StartsWith(AccountRoutes.Login + "?", target);
        Assert.Contains("sessionEnded=1", target);
        Assert.Contains("ReturnUrl=%2Fsessions", target);
        Assert.Contains("Your session ended", await (await client.GetAsync(target)).TextAsync());

        // Someone who was never signed in is just asked to sign in.
        var stranger = await factory.CreatePortalClient().GetAsync("/sessions");
        Assert.Equal(HttpStatusCode.Redirect, stranger.StatusCode);
        Assert.DoesNotContain("sessionEnded", stranger.LocalRedirect());
    }
}
