namespace AuthPortal.Tests.Infrastructure.Api;

public sealed class ApiConventionsTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    [Fact]
    public async Task UnknownApiRoutesAnswerProblemDetailsNotPages()
    {
        var client = factory.CreatePortalClient();
        var token = (await client.GetTokensAsync(DefaultPortal.AdminEmail)).AccessToken;

        var response = await client.GetWithTokenAsync("/api/no-such-thing", token);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.JsonAsync()).TryGetProperty("traceId", out _));
    }

    [Fact]
    public async Task OpenApiDescribesTheBearerSchemeAndEveryEndpoint()
    {
        var document = await (await factory.CreatePortalClient().GetAsync("/openapi/v1.json")).JsonAsync();
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();

        Assert.Equal("http", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer").GetProperty("type").GetString());
        foreach (var path in new[] { "/api/auth/token", "/api/auth/revoke", "/api/auth/logout", "/api/auth/register", "/api/me", "/api/me/password",
                     "/api/me/sessions", "/api/me/sessions/{id}", "/api/me/sessions/revoke-others", "/api/users/{id}/sessions", "/api/users/{id}/revoke-sessions" })
        {
            Assert.Contains(path, paths);
        }
        var token = document.GetProperty("paths").GetProperty("/api/auth/token").GetProperty("post");
        Assert.Equal("Bearer", token.GetProperty("responses").GetProperty("200").GetProperty("content").EnumerateObject().First().Value.GetProperty("example").GetProperty("token_type").GetString());
        var me = document.GetProperty("paths").GetProperty("/api/me").GetProperty("get");
        Assert.True(me.GetProperty("responses").GetProperty("200").GetProperty("content").EnumerateObject().First().Value.TryGetProperty("example", out _));
        Assert.True(me.TryGetProperty("security", out _));
        Assert.Equal(HttpStatusCode.OK, (await factory.CreatePortalClient().GetAsync("/scalar/")).StatusCode);
    }
}
