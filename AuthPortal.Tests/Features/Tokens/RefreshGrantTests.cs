namespace AuthPortal.Tests.Features.Tokens;

public sealed class RefreshGrantTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    [Fact]
    public async Task TwoConcurrentRefreshesWithTheSameTokenGiveExactlyOneSuccess()
    {
        await factory.CreateUserAsync("racing@example.com");
        var client = factory.CreatePortalClient();
        for (var round = 0; round < 5; round++)
        {
            var tokens = await client.GetTokensAsync("racing@example.com");
            var answers = await Task.WhenAll(
                Task.Run(() => factory.CreatePortalClient().RefreshGrantAsync(tokens.RefreshToken)),
                Task.Run(() => factory.CreatePortalClient().RefreshGrantAsync(tokens.RefreshToken)));

            Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
            Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.BadRequest));
        }
    }

    [Fact]
    public async Task RevokingARefreshTokenEndsItsSessionAndUnknownTokensStillGet200()
    {
        await factory.CreateUserAsync("revoker@example.com");
        var client = factory.CreatePortalClient();
        var tokens = await client.GetTokensAsync("revoker@example.com");

        var revoked = await client.PostAsync("/api/auth/revoke", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = tokens.RefreshToken }));
        var unknown = await client.PostAsync("/api/auth/revoke", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = "rt_not-a-real-token" }));

        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.Equal(HttpStatusCode.OK, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithTokenAsync("/api/me", tokens.AccessToken)).StatusCode);
        Assert.Equal("invalid_grant", await (await client.RefreshGrantAsync(tokens.RefreshToken)).ErrorCodeAsync());
    }
}
