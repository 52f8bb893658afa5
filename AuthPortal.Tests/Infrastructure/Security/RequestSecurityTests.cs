namespace AuthPortal.Tests.Infrastructure.Security;

public sealed class RequestSecurityTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    [Theory]
    [InlineData("/Account/Login")]
    [InlineData("/Account/Register")]
    [InlineData("/health/live")]
    public async Task EveryResponseCarriesTheSecurityHeaders(string path)
    {
        var response = await factory.CreatePortalClient().GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Contains("script-src 'self'", csp);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("strict-origin-when-cross-origin", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
    }

    [Fact]
    public async Task AHostOutsideAllowedHostsIsRefused()
    {
        // Emailed links may be built from the request address, so a forged Host must not get through.
        var client = factory.CreatePortalClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/Account/Login");
        request.Headers.Host = "evil.example";

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task OverHttpsTheCookieIsHostPrefixedAndSecure()
    {
        await factory.CreateUserAsync("tls@example.com");
        var client = factory.CreatePortalClient("https://localhost");

        var response = await client.SignInAsync("tls@example.com");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(SchemeAwareCookieManager.HttpsName + "=", StringComparison.Ordinal));
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("domain=", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task TheBlazorHubRefusesPagesOfOtherOrigins()
    {
        var client = factory.CreatePortalClient();
        await client.SignInAsync(DefaultPortal.AdminEmail);

        async Task<HttpStatusCode> NegotiateFromAsync(string? origin)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/_blazor/negotiate?negotiateVersion=1");
            if (origin is not null)
            {
                request.Headers.Add("Origin", origin);
            }
            return (await client.SendAsync(request)).StatusCode;
        }

        Assert.Equal(HttpStatusCode.Forbidden, await NegotiateFromAsync("http://localhost:4444"));
        Assert.Equal(HttpStatusCode.Forbidden, await NegotiateFromAsync("http://evil.localhost"));
        Assert.Equal(HttpStatusCode.Forbidden, await NegotiateFromAsync("null"));
        Assert.Equal(HttpStatusCode.OK, await NegotiateFromAsync("http://localhost"));
    }

    [Theory]
    [InlineData("/Account/Login")]
    [InlineData("/Account/Register")]
    [InlineData("/Account/ForgotPassword")]
    [InlineData("/Account/ResendEmailConfirmation")]
    [InlineData("/Account/Reauthenticate")]
    [InlineData("/Account/DeleteAccount")]
    [InlineData("/Account/Logout")]
    public async Task EveryFormRefusesAForeignOrigin(string form)
    {
        var client = factory.CreatePortalClient();
        await client.SignInAsync(DefaultPortal.AdminEmail);

        async Task<HttpStatusCode> PostFromAsync(string origin)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, form) { Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["Input.Email"] = "x@example.com" }) };
            request.Headers.Add("Origin", origin);
            return (await client.SendAsync(request)).StatusCode;
        }

        Assert.Equal(HttpStatusCode.Forbidden, await PostFromAsync("http://evil.example"));
        Assert.Equal(HttpStatusCode.Forbidden, await PostFromAsync("http://localhost:4444"));
        Assert.Equal(HttpStatusCode.Forbidden, await PostFromAsync("null"));
        // The portal's own pages get past the origin check (to the antiforgery check, which this bare post fails).
        Assert.NotEqual(HttpStatusCode.Forbidden, await PostFromAsync("http://localhost"));
        Reliability.ReliabilityReport.Record("Browser attacks", $"form post from a foreign Origin: {form}", "3 foreign origins, 1 own",
            "403 before the form is read; the portal's own origin passes", "403 for each foreign origin; own origin passed");
    }

    [Fact]
    public async Task EveryResponseHasARequestIdAndEveryRequestIsLogged()
    {
        var client = factory.CreatePortalClient();
        var own = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        own.Headers.Add("X-Request-ID", "script-run-42.step-7");
        var odd = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        odd.Headers.Add("X-Request-ID", "has spaces and\u00e9 is too odd");

        var kept = await client.SendAsync(own);
        var replaced = await client.SendAsync(odd);
        var plain = await client.GetAsync("/Account/Login?code=secret-in-query");

        Assert.Equal("script-run-42.step-7", kept.Headers.GetValues("X-Request-ID").Single());
        Assert.NotEqual("has spaces and\u00e9 is too odd", replaced.Headers.GetValues("X-Request-ID").Single());
        Assert.False(string.IsNullOrEmpty(plain.Headers.GetValues("X-Request-ID").Single()));
        var line = factory.LogLines.Last(l => l.Contains("HTTP GET /Account/Login", StringComparison.Ordinal));
        Assert.Contains("responded 200", line);
        Assert.DoesNotContain("secret-in-query", string.Join('\n', factory.LogLines.Where(l => l.Contains("AuthPortal.Requests", StringComparison.Ordinal))));
    }
}

public sealed class ProductionTransportTests
{
    [Fact]
    public async Task OutsideDevelopmentHttpRedirectsToHttpsAndHttpsSendsHsts()
    {
        using var factory = new PortalFactory(null, environment: "Production", settings: new Dictionary<string, string?> { ["HTTPS_PORT"] = "443", ["AllowedHosts"] = "portal.example" });

        var http = await factory.CreatePortalClient("http://portal.example").GetAsync("/Account/Login");
        Assert.Equal(HttpStatusCode.TemporaryRedirect, http.StatusCode);
        Assert.Equal("https://portal.example/Account/Login", http.Headers.Location?.ToString());

        var https = await factory.CreatePortalClient("https://portal.example").GetAsync("/Account/Login");
        Assert.Equal(HttpStatusCode.OK, https.StatusCode);
        Assert.Contains("max-age=31536000", Assert.Single(https.Headers.GetValues("Strict-Transport-Security")));
    }
}
