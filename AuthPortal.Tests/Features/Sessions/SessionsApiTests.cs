using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
namespace AuthPortal.Tests.Features.Sessions;

public sealed class SessionsApiTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    [Fact]
    public async Task SessionEndpointsListRevokeAndHideOtherUsersSessions()
    {
        await factory.CreateUserAsync("api-sessions@example.com");
        await factory.CreateUserAsync("api-sessions-other@example.com");
        var client = factory.CreatePortalClient();
        var mine = await client.GetTokensAsync("api-sessions@example.com");
        var myOther = await client.GetTokensAsync("api-sessions@example.com");
        var theirs = await client.GetTokensAsync("api-sessions-other@example.com");

        var list = await (await client.GetWithTokenAsync("/api/me/sessions", mine.AccessToken)).JsonAsync();
        var items = list.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, items.Count);
        Assert.Single(items, i => i.GetProperty("current").GetBoolean());
        Assert.All(items, i => Assert.Equal("Api", i.GetProperty("kind").GetString()));

        var theirSid = new JsonWebToken(theirs.AccessToken).GetClaim("sid").Value;
        var foreign = await client.SendWithTokenAsync(HttpMethod.Delete, $"/api/me/sessions/{theirSid}", mine.AccessToken);
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/api/me", theirs.AccessToken)).StatusCode);

        var others = await client.SendWithTokenAsync(HttpMethod.Post, "/api/me/sessions/revoke-others", mine.AccessToken);
        Assert.Equal(1, (await others.JsonAsync()).GetProperty("revoked").GetInt32());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithTokenAsync("/api/me", myOther.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/api/me", mine.AccessToken)).StatusCode);
    }
}
