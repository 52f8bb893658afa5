namespace AuthPortal.Tests.Features.Users;

public sealed class UsersTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    [Fact]
    public async Task AnonymousVisitorsAreSentToSignInAndNormalUsersDoNotSeeAdministration()
    {
        var anonymous = await factory.CreatePortalClient().GetAsync("/admin/users");
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        Assert.StartsWith("/Account/Login?ReturnUrl=%2Fadmin%2Fusers", anonymous.LocalRedirect(), StringComparison.OrdinalIgnoreCase);

        await factory.CreateUserAsync("plain@example.com");
        var client = factory.CreatePortalClient();
        await client.SignInAsync("plain@example.com");

        var home = await (await client.GetAsync("/")).TextAsync();
        Assert.DoesNotContain("Administration", home);
        var users = await client.GetAsync("/admin/users");
        Assert.Equal(HttpStatusCode.Redirect, users.StatusCode);
        Assert.StartsWith("/Account/AccessDenied", users.LocalRedirect());
        Assert.Contains("Access denied", await (await client.GetAsync(users.LocalRedirect())).TextAsync());
    }

    [Fact]
    public async Task AdministratorsSeeTheUserList()
    {
        await factory.CreateUserAsync("boss@example.com", administrator: true);
        await factory.CreateUserAsync("listed@example.com");
        var client = factory.CreatePortalClient();
        await client.SignInAsync("boss@example.com");

        var home = await (await client.GetAsync("/")).TextAsync();
        Assert.Contains("Administration", home);
        var response = await client.GetAsync("/admin/users");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("You do not have access", await response.TextAsync());
    }

    [Fact]
    public async Task AdminSessionEndpointsNeedTheirPermissions()
    {
        var target = await factory.CreateUserAsync("api-target@example.com");
        await factory.CreateUserAsync("api-nobody@example.com");
        var client = factory.CreatePortalClient();
        var targetToken = (await client.GetTokensAsync("api-target@example.com")).AccessToken;
        var nobody = (await client.GetTokensAsync("api-nobody@example.com")).AccessToken;
        var admin = (await client.GetTokensAsync(DefaultPortal.AdminEmail)).AccessToken;
        var adminReadOnly = (await client.GetTokensAsync(DefaultPortal.AdminEmail, scope: "users.read")).AccessToken;

        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetWithTokenAsync($"/api/users/{target.Id}/sessions", nobody)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendWithTokenAsync(HttpMethod.Post, $"/api/users/{target.Id}/revoke-sessions", nobody)).StatusCode);
        // Scope narrows: an administrator's users.read-only token cannot revoke.
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendWithTokenAsync(HttpMethod.Post, $"/api/users/{target.Id}/revoke-sessions", adminReadOnly)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/api/me", targetToken)).StatusCode);

        var list = await (await client.GetWithTokenAsync($"/api/users/{target.Id}/sessions", adminReadOnly)).JsonAsync();
        Assert.Single(list.GetProperty("items").EnumerateArray());
        var revoked = await client.SendWithTokenAsync(HttpMethod.Post, $"/api/users/{target.Id}/revoke-sessions", admin);
        Assert.Equal(1, (await revoked.JsonAsync()).GetProperty("revoked").GetInt32());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithTokenAsync("/api/me", targetToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetWithTokenAsync("/api/users/no-such-user/sessions", admin)).StatusCode);
    }
}
