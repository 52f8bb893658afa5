using System.Net.Http.Headers;
using System.Text;
using AuthPortal.Infrastructure.Api;
using AuthPortal.Tests.Reliability;

namespace AuthPortal.Tests.Infrastructure.Api;

/// <summary>Oversized and mistyped requests are answered by the portal itself: a problem detail with its security headers.</summary>
public sealed class RequestLimitsTests(KestrelPortal kestrel) : IClassFixture<KestrelPortal>
{
    private static void AssertPortalAnswer(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        // The portal's own answer, with its security headers, not the server's bare refusal.
        Assert.True(response.Headers.Contains("Content-Security-Policy"), "Content-Security-Policy");
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    private async Task<(AppUser User, string Token)> SignedInAsync(string prefix)
    {
        var user = await kestrel.Portal.CreateUserAsync($"{prefix}-{Guid.NewGuid():N}@example.com");
        return (user, (await kestrel.Client.GetTokensAsync(user.Email!)).AccessToken);
    }

    private Task<string> DisplayNameAsync(AppUser user) =>
        kestrel.Portal.WithDbAsync(db => db.Users.Where(u => u.Id == user.Id).Select(u => u.DisplayName).SingleAsync());

    [Fact]
    public async Task ABodyOverOneMegabyteGets413OnTheApiAndOnAForm()
    {
        var (user, token) = await SignedInAsync("big-body");
        var huge = new string('x', (int)RequestLimits.MaxBodyBytes + 1);

        var api = await kestrel.Client.SendAsync(new HttpRequestMessage(HttpMethod.Patch, "/api/me")
        {
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) },
            Content = new StringContent($$"""{"displayName":"{{huge}}"}""", Encoding.UTF8, "application/json"),
        });
        AssertPortalAnswer(api, HttpStatusCode.RequestEntityTooLarge);

        var form = await kestrel.Client.PostAsync("/Account/Login", new StringContent("login=" + huge, Encoding.UTF8, "application/x-www-form-urlencoded"));
        AssertPortalAnswer(form, HttpStatusCode.RequestEntityTooLarge);

        Assert.NotEqual(huge, await DisplayNameAsync(user));
        ReliabilityReport.Record("Limits", "body over 1 MB (JSON API and a form), on Kestrel", "2 requests",
            "413 problem detail with the security headers; nothing stored", "413 with the headers, both; display name unchanged");
    }

    [Fact]
    public async Task AWrongContentTypeGets415NamingTheHeaderAndChangesNothing()
    {
        var (user, token) = await SignedInAsync("wrong-type");

        foreach (var type in new[] { "text/plain", "application/xml", "application/x-www-form-urlencoded" })
        {
            var response = await kestrel.Client.SendAsync(new HttpRequestMessage(HttpMethod.Patch, "/api/me")
            {
                Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) },
                Content = new StringContent("""{"displayName":"Changed"}""", Encoding.UTF8, type),
            });
            AssertPortalAnswer(response, HttpStatusCode.UnsupportedMediaType);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(System.Text.Json.JsonDocument.Parse(body).RootElement.TryGetProperty("errors", out var errors) && errors.TryGetProperty("Content-Type", out _), $"{type}: {body}");
        }
        Assert.NotEqual("Changed", await DisplayNameAsync(user));

        // The token endpoint takes a form and JSON, and nothing else.
        Assert.Equal(HttpStatusCode.UnsupportedMediaType,
            (await kestrel.Client.PostAsync("/api/auth/token", new StringContent("grant_type=password", Encoding.UTF8, "text/plain"))).StatusCode);
        // JSON with a charset is JSON.
        var withCharset = await kestrel.Client.SendAsync(new HttpRequestMessage(HttpMethod.Patch, "/api/me")
        {
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) },
            Content = new StringContent("""{"displayName":"Charset Person"}""", Encoding.UTF8, "application/json"),
        });
        Assert.Equal(HttpStatusCode.OK, withCharset.StatusCode);
        Assert.Equal("Charset Person", await DisplayNameAsync(user));
        // A charset .NET has no encoding for is the client's mistake: a problem naming Content-Type, not a 500.
        var unknownCharset = new StringContent("""{"displayName":"Unknown Charset"}""", Encoding.UTF8);
        unknownCharset.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json; charset=windows-1252-nope");
        var refusedCharset = await kestrel.Client.SendAsync(new HttpRequestMessage(HttpMethod.Patch, "/api/me")
        {
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) },
            Content = unknownCharset,
        });
        AssertPortalAnswer(refusedCharset, HttpStatusCode.BadRequest);
        Assert.True((await refusedCharset.JsonAsync()).GetProperty("errors").TryGetProperty("Content-Type", out _));
        Assert.Equal("Charset Person", await DisplayNameAsync(user));
        ReliabilityReport.Record("Limits", "wrong Content-Type (text/plain, XML, a form on a JSON endpoint; text on the token endpoint)", "4 requests",
            "415 problem detail naming Content-Type; nothing stored", "415 naming Content-Type, all 4; display name unchanged");
    }

    [Fact]
    public async Task AnOverlongUrlGets414AndOversizedHeadersGet431()
    {
        AssertPortalAnswer(await kestrel.Client.GetAsync("/api/users?search=" + new string('a', RequestLimits.MaxUrlBytes)), HttpStatusCode.RequestUriTooLong);

        var request = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        for (var i = 0; i < 5; i++)
        {
            request.Headers.Add($"X-Padding-{i}", new string('h', RequestLimits.MaxHeaderBytes / 4));
        }
        AssertPortalAnswer(await kestrel.Client.SendAsync(request), HttpStatusCode.RequestHeaderFieldsTooLarge);

        // Inside the limits, the same kinds of request are answered normally.
        Assert.Equal(HttpStatusCode.OK, (await kestrel.Client.GetAsync("/health/live?pad=" + new string('a', RequestLimits.MaxUrlBytes / 2))).StatusCode);
        ReliabilityReport.Record("Limits", "URL over 8 KB and headers over 32 KB, on Kestrel", "2 requests",
            "414 and 431 from the portal, with its security headers", "414 and 431 with the headers");
    }

    [Fact]
    public async Task APageSizeOver200IsCappedAndSearchMatchesPercentAndUnderscoreLiterally()
    {
        await kestrel.Portal.CreateUserAsync("admin-limits@example.com", administrator: true);
        var token = (await kestrel.Client.GetTokensAsync("admin-limits@example.com")).AccessToken;
        // Display names may hold any character; these two pairs differ only where a LIKE pattern would see a wildcard.
        foreach (var (email, name) in new[] { ("pct-a@example.com", "Sale 100% off"), ("pct-b@example.com", "Sale 100x off"), ("us-a@example.com", "Name a_b"), ("us-b@example.com", "Name axb") })
        {
            var user = await kestrel.Portal.CreateUserAsync(email);
            await kestrel.Portal.WithDbAsync(db => db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(set => set.SetProperty(u => u.DisplayName, name)));
        }

        var page = await (await kestrel.Client.GetWithTokenAsync("/api/users?pageSize=5000", token)).JsonAsync();
        Assert.Equal(Paged<object>.MaxPageSize, page.GetProperty("pageSize").GetInt32());

        async Task<List<string>> EmailsAsync(string search) =>
            [.. (await (await kestrel.Client.GetWithTokenAsync($"/api/users?search={Uri.EscapeDataString(search)}", token)).JsonAsync())
                .GetProperty("items").EnumerateArray().Select(u => u.GetProperty("email").GetString()!)];
        Assert.Equal(["pct-a@example.com"], await EmailsAsync("100% off"));
        Assert.Equal(["pct-a@example.com"], await EmailsAsync("%"));
        Assert.Equal(["us-a@example.com"], await EmailsAsync("a_b"));
        ReliabilityReport.Record("Limits", "pageSize=5000; searches for `100% off`, `%` and `a_b`", "4 requests",
            "page size capped at 200; % and _ match literally", "pageSize 200; each search found only the literal match");
    }
}
