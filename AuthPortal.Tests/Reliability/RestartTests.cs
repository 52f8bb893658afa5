namespace AuthPortal.Tests.Reliability;

/// <summary>Everything a person or a script holds keeps working across a restart of the portal: keys live in the database.</summary>
[Trait("Category", "Reliability")]
public sealed class RestartTests
{
    [Fact]
    public async Task ACookieAJwtARefreshTokenAndAnApiKeyIssuedBeforeARestartWorkAfterIt()
    {
        var directory = TestPaths.NewTempDirectory("restart-all");
        string cookie, apiKey;
        ApiClient.Tokens tokens;
        using (var before = new PortalFactory(directory))
        {
            await before.CreateUserAsync("restarted@example.com");
            var signIn = await before.CreatePortalClient().SignInAsync("restarted@example.com");
            cookie = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("AuthPortal=", StringComparison.Ordinal)).Split(';')[0];
            var client = before.CreatePortalClient();
            tokens = await client.GetTokensAsync("restarted@example.com");
            var created = await client.SendWithTokenAsync(HttpMethod.Post, "/api/me/api-keys", tokens.AccessToken, new { name = "survives restarts", expiresInDays = 30 });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            apiKey = (await created.JsonAsync()).GetProperty("key").GetString()!;
        }

        using var after = new PortalFactory(directory);
        var fresh = after.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        var page = new HttpRequestMessage(HttpMethod.Get, "/");
        page.Headers.Add("Cookie", cookie);
        var home = await fresh.SendAsync(page);
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Contains("restarted@example.com", await home.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await fresh.GetWithTokenAsync("/api/me", tokens.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await fresh.GetWithApiKeyHeaderAsync("/api/me", apiKey)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await fresh.RefreshGrantAsync(tokens.RefreshToken)).StatusCode);

        ReliabilityReport.Record("Restart", $"a restart of the portal ({TestDatabase.Name})", "1 restart",
            "a cookie, an access token, a refresh token and an API key issued before keep working", "all four accepted after the restart");
    }
}
