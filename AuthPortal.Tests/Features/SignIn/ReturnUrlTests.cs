namespace AuthPortal.Tests.Features.SignIn;

public sealed class ReturnUrlTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    [Fact]
    public async Task ANonAsciiReturnUrlIsEncodedAndTheSignInCompletesOnce()
    {
        var user = await factory.CreateUserAsync("accented@example.com");
        var client = factory.CreatePortalClient();

        var signIn = await client.SignInAsync("accented@example.com", returnUrl: "/profile?q=é");

        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal("/profile?q=%C3%A9", signIn.LocalRedirect());
        Assert.Equal(1, await factory.WithDbAsync(db => db.UserSessions.CountAsync(s => s.UserId == user.Id && s.RevokedAt == null)));

        var home = await client.GetAsync("/");
        var logout = await client.PostAsync("/Account/Logout", new FormUrlEncodedContent(
            HtmlForms.HiddenFieldsOf(await home.Content.ReadAsStringAsync(), "sign-out-form").Append(new("returnUrl", "/Account/Login?x=ü"))));
        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
        Assert.Equal("/Account/Login?x=%C3%BC", logout.LocalRedirect());
    }
}
