using Microsoft.IdentityModel.JsonWebTokens;

namespace AuthPortal.Tests.Features.ApiKeys;

/// <summary>Exchanging an API key for a short access token (grant_type=client_credentials).</summary>
public sealed class ClientCredentialsTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    private static Task<HttpResponseMessage> ExchangeAsync(HttpClient client, string key) =>
        client.PostAsync("/api/auth/token", new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_secret"] = key }));

    [Fact]
    public async Task AKeyBuysAShortTokenWithItsScopesAndNoRefreshTokenUntilItIsRevoked()
    {
        var client = factory.CreatePortalClient();
        var token = (await client.GetTokensAsync(DefaultPortal.AdminEmail)).AccessToken;
        var created = await (await client.SendWithTokenAsync(HttpMethod.Post, "/api/me/api-keys", token,
            new { name = "exchange", scopes = new[] { "users.read" }, expiresInDays = 7 })).JsonAsync();
        var key = created.GetProperty("key").GetString()!;

        var exchanged = await ExchangeAsync(client, key);

        Assert.Equal(HttpStatusCode.OK, exchanged.StatusCode);
        var body = await exchanged.JsonAsync();
        Assert.Equal("users.read", body.GetProperty("scope").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, body.GetProperty("refresh_token").ValueKind);
        var jwt = body.GetProperty("access_token").GetString()!;
        Assert.Equal("users.read", new JsonWebToken(jwt).GetClaim("scope").Value);
        var me = await (await client.GetWithTokenAsync("/api/me", jwt)).JsonAsync();
        Assert.Equal(["users.read"], me.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()));

        Assert.Equal(HttpStatusCode.NoContent, (await client.SendWithTokenAsync(HttpMethod.Delete, $"/api/me/api-keys/{created.GetProperty("id").GetString()}", token)).StatusCode);
        Assert.Equal("invalid_client", await (await ExchangeAsync(client, key)).ErrorCodeAsync());
        Assert.Equal("invalid_client", await (await ExchangeAsync(client, "apk_not-a-real-key")).ErrorCodeAsync());
    }
}
