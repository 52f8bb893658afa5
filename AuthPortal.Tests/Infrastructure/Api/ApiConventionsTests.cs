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

    [Fact]
    public async Task EveryApiErrorIsOneProblemDetailsShapeWithATraceId()
    {
        var client = factory.CreatePortalClient();
        var token = (await client.GetTokensAsync(DefaultPortal.AdminEmail)).AccessToken;

        var unauthorized = await client.GetAsync("/api/me");
        var notFound = await client.SendWithTokenAsync(HttpMethod.Delete, "/api/me/sessions/no-such-session", token);
        var invalid = await client.SendWithTokenAsync(HttpMethod.Patch, "/api/me", token, new { displayName = "X", isAdmin = true });

        foreach (var (response, status) in new[] { (unauthorized, 401), (notFound, 404), (invalid, 400) })
        {
            Assert.Equal(status, (int)response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var body = await response.JsonAsync();
            Assert.Equal(status, body.GetProperty("status").GetInt32());
            Assert.False(string.IsNullOrEmpty(body.GetProperty("title").GetString()));
            Assert.StartsWith("https://", body.GetProperty("type").GetString());
            Assert.False(string.IsNullOrEmpty(body.GetProperty("traceId").GetString()));
        }
    }

    [Theory]
    [InlineData("""{"displayName":"Ok","isAdmin":true}""", "isAdmin", "This field is not accepted here.")]
    [InlineData("""{"displayName":42}""", "displayName", "This value is not valid JSON of the expected type.")]
    [InlineData("""["displayName"]""", "body", "This value is not valid JSON of the expected type.")]
    [InlineData("""{"displayName":""", "displayName", "This value is not valid JSON of the expected type.")]
    public async Task AStrictBodyNamesTheFieldThatWasWrongAndChangesNothing(string json, string field, string message)
    {
        var client = factory.CreatePortalClient();
        var token = (await client.GetTokensAsync(DefaultPortal.AdminEmail)).AccessToken;
        var request = new HttpRequestMessage(HttpMethod.Patch, "/api/me") { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(message, (await response.JsonAsync()).GetProperty("errors").GetProperty(field)[0].GetString());
        Assert.Equal("Administrator", await factory.WithDbAsync(db => db.Users.Where(u => u.Email == DefaultPortal.AdminEmail).Select(u => u.DisplayName).SingleAsync()));
    }

    [Theory]
    [InlineData("/api/users?page=abc", "page", "a whole number")]
    [InlineData("/api/users?locked=maybe", "locked", "true or false")]
    [InlineData("/api/audit?pageSize=lots", "pageSize", "a whole number")]
    public async Task AQueryValueOfTheWrongTypeIsA400NamingTheParameter(string url, string parameter, string expected)
    {
        var client = factory.CreatePortalClient();
        var token = (await client.GetTokensAsync(DefaultPortal.AdminEmail)).AccessToken;

        var response = await client.GetWithTokenAsync(url, token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"Expected {expected}.", (await response.JsonAsync()).GetProperty("errors").GetProperty(parameter)[0].GetString());
        // A client's mistake is not logged as an unhandled exception.
        Assert.DoesNotContain(factory.LogLines, line => line.Contains("unhandled exception", StringComparison.OrdinalIgnoreCase) && line.Contains(url.Split('?')[0], StringComparison.Ordinal));
    }

    [Fact]
    public async Task ANulCharacterIsRefusedAsTheFieldsErrorAndAPageFarPastTheEndIsEmptyOnBothProviders()
    {
        var client = factory.CreatePortalClient();
        var token = (await client.GetTokensAsync(DefaultPortal.AdminEmail)).AccessToken;

        var nul = await client.SendWithTokenAsync(HttpMethod.Patch, "/api/me", token, new { displayName = "Before\u0000After" });
        Assert.Equal(HttpStatusCode.BadRequest, nul.StatusCode);
        Assert.True((await nul.JsonAsync()).GetProperty("errors").TryGetProperty("displayName", out _));
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/auth/reset-password", new { email = "a\u0000@example.com", token = "x", newPassword = "y" })).StatusCode);
        // A NUL in a search reaches the database as a query value: still the client's mistake, never a 500.
        Assert.True((int)(await client.GetWithTokenAsync("/api/service-accounts?search=%00", token)).StatusCode < 500);

        var far = await client.GetWithTokenAsync("/api/service-accounts?page=2000000000&pageSize=200", token);
        Assert.Equal(HttpStatusCode.OK, far.StatusCode);
        Assert.Equal(0, (await far.JsonAsync()).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task OnlyTheAnonymousAuthEndpointsGoWithoutABearerToken()
    {
        var document = await (await factory.CreatePortalClient().GetAsync("/openapi/v1.json")).JsonAsync();
        var anonymous = new List<string>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => !o.Value.TryGetProperty("security", out _)))
            {
                anonymous.Add($"{operation.Name.ToUpperInvariant()} {path.Name}");
            }
        }
        Assert.Equal(["POST /api/auth/confirm-email", "POST /api/auth/forgot-password", "POST /api/auth/register", "POST /api/auth/resend-confirmation",
            "POST /api/auth/reset-password", "POST /api/auth/revoke", "POST /api/auth/token"], anonymous.Where(a => a.Contains(" /api/", StringComparison.Ordinal)).Order());

        // And the group really is bearer-only: a browser's cookie does not open the rest.
        var browser = factory.CreatePortalClient();
        await browser.SignInAsync(DefaultPortal.AdminEmail);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/me/sessions")).StatusCode);
    }
}
