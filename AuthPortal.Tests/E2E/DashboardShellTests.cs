using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace AuthPortal.Tests.E2E;

/// <summary>
/// The dashboard is rendered on the server without a circuit of its own (bench #7): only the app bar's session watcher
/// is an interactive island. Its app bar must still do everything it does on an interactive page.
/// </summary>
[Trait("Category", "E2E")]
[Collection(BrowserCollection.Name)]
public sealed class DashboardShellTests(SignedInBrowser browser) : IClassFixture<SignedInBrowser>
{
    private static int ServerRootsIn(string html) => html.Split("\"type\":\"server\"").Length - 1;

    [Fact]
    public async Task TheDashboardHasOneSmallIslandWhereAnInteractivePageHasItsWholeTree()
    {
        var page = await browser.OpenAsync("/");

        // The page as served (the browser context's cookie): the session watcher is the only interactive root; an
        // interactive page has its head and its router.
        var dashboard = await (await page.Context.APIRequest.GetAsync("/")).TextAsync();
        var profile = await (await page.Context.APIRequest.GetAsync("/profile")).TextAsync();
        Assert.Contains("data-testid=\"admin-figures\"", dashboard);
        Assert.Equal(1, ServerRootsIn(dashboard));
        Assert.Equal(2, ServerRootsIn(profile));
    }

    [Fact]
    public async Task TheDashboardLinkFromAnInteractivePageLoadsTheDashboardWithoutACircuit()
    {
        var page = await browser.OpenAsync("/profile");
        await Assertions.Expect(page.Locator("[data-drawer-toggle=script]")).ToHaveCountAsync(0);

        await page.Locator(".mud-navmenu a[href='/']").ClickAsync();
        await page.WaitForUrlAsync(url => new Uri(url).AbsolutePath == "/");
        await Assertions.Expect(page.Locator("[data-testid=admin-figures]")).ToBeVisibleAsync();
        // The app bar the server renders for a page without a circuit (its buttons are driven by app.js).
        await Assertions.Expect(page.Locator("[data-drawer-toggle=script]")).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task TheDashboardLinkOnTheDashboardKeepsItsIslandLive()
    {
        var page = await browser.OpenAsync("/");

        // An enhanced navigation to the same page: the island stays, the server's markup says "not live yet".
        await page.Locator(".mud-navmenu a[href='/']").ClickAsync();
        await page.WaitForFunctionAsync(
            "() => performance.getEntriesByType('resource').some(e => e.initiatorType === 'fetch' && new URL(e.name).pathname === '/')");
        await Assertions.Expect(page.Locator(".mud-layout[data-interactive=true]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-testid=admin-figures]")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task TheDashboardSaysWhenPermissionsChangedAndShrugsOffAMistypedFlag()
    {
        var page = await browser.OpenAsync("/");

        var told = await page.Context.APIRequest.GetAsync("/?permissionsChanged=1");
        var mistyped = await page.Context.APIRequest.GetAsync("/?permissionsChanged=oops");
        Assert.Equal(200, told.Status);
        Assert.Contains("data-testid=\"permissions-changed\"", await told.TextAsync());
        Assert.Equal(200, mistyped.Status);
        Assert.DoesNotContain("data-testid=\"permissions-changed\"", await mistyped.TextAsync());
        Assert.Contains("data-testid=\"admin-figures\"", await mistyped.TextAsync());
    }

    [Fact]
    public async Task TheUserMenuOpensClosesAndLeadsToAnInteractivePage()
    {
        var page = await browser.OpenAsync("/");
        var menu = page.Locator("[data-testid=user-menu] .ap-menu-list");

        await page.ClickAsync("[data-testid=user-menu-button]");
        await Assertions.Expect(menu).ToBeVisibleAsync();
        await Assertions.Expect(menu).ToContainTextAsync(SignedInBrowser.Email);
        await BrowserPortal.ScreenshotForDocsAsync(page, "dashboard-user-menu");
        // A keyboard user who closes it with Escape stays on its button.
        await page.Locator("[data-testid=user-menu] a[href='profile']").FocusAsync();
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(menu).Not.ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=user-menu-button]")).ToBeFocusedAsync();

        await page.ClickAsync("[data-testid=user-menu-button]");
        await page.ClickAsync("[data-testid=user-menu] a[href='profile']");
        await page.WaitForUrlAsync("**/profile");
        await new Shell(page).WaitUntilInteractivePageAsync();
        await Assertions.Expect(page.Locator("[data-testid=save-profile]")).ToBeVisibleAsync();
        await Assertions.Expect(menu).Not.ToBeVisibleAsync();
    }

    [Fact]
    public async Task TheDrawerClosesAndOpensOnADesktop()
    {
        var page = await browser.OpenAsync("/");
        var shell = new Shell(page);

        await Assertions.Expect(shell.AdminNavigation).ToBeInViewportAsync();
        await page.ClickAsync("[aria-label='Toggle navigation']");
        await Assertions.Expect(shell.AdminNavigation).Not.ToBeInViewportAsync();
        await page.ClickAsync("[aria-label='Toggle navigation']");
        await Assertions.Expect(shell.AdminNavigation).ToBeInViewportAsync();
    }

    [Fact]
    public async Task DarkModeSwitchesOnTheDashboardAndStays()
    {
        var page = await browser.OpenAsync("/");

        // The page reloads with the other palette: the new page's button offers the way back, then its island goes live.
        await page.ClickAsync("[data-testid=theme-toggle]");
        await Assertions.Expect(page.Locator("[data-testid=theme-toggle]")).ToHaveAttributeAsync("title", "Switch to light mode");
        await Assertions.Expect(page.Locator("body")).ToHaveClassAsync("ap-dark");
        await new Shell(page).WaitUntilInteractiveAsync();
        await page.ClickAsync("[data-testid=theme-toggle]");
        await Assertions.Expect(page.Locator("[data-testid=theme-toggle]")).ToHaveAttributeAsync("title", "Switch to dark mode");
        await Assertions.Expect(page.Locator("body")).ToHaveClassAsync("ap-light");
    }

    [Fact]
    public async Task TheOrganizationSwitcherListsMineAndRemembersTheOneIOpened()
    {
        using var http = new HttpClient { BaseAddress = new Uri(browser.Portal.BaseUrl) };
        var token = await http.PostAsync("/api/auth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["username"] = SignedInBrowser.Email, ["password"] = Accounts.Password,
        }));
        token.EnsureSuccessStatusCode();
        var accessToken = JsonDocument.Parse(await token.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", accessToken);
        (await http.PostAsJsonAsync("/api/orgs", new { name = "Static Club", slug = "static-club" })).EnsureSuccessStatusCode();

        var page = await browser.OpenAsync("/");
        await page.ClickAsync("[data-testid=org-switcher-button]");
        var item = page.Locator("[data-testid=org-switcher] [data-org-slug=static-club]");
        await Assertions.Expect(item).ToContainTextAsync("Static Club");
        await item.ClickAsync();
        await page.WaitForUrlAsync("**/orgs/static-club");
        await new Shell(page).WaitUntilInteractivePageAsync();
        await Assertions.Expect(page.Locator("[data-testid=org-switcher-button]")).ToContainTextAsync("Static Club");

        // Back on the dashboard (no circuit for the switcher), the browser's choice is still shown and ticked.
        await page.GotoAsync("/");
        await new Shell(page).WaitUntilInteractiveAsync();
        await Assertions.Expect(page.Locator("[data-testid=org-switcher-button]")).ToContainTextAsync("Static Club");
        await Assertions.Expect(item).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bap-current\b"));
    }

    [Fact]
    public async Task SigningOutFromTheDashboardSaysSignedOutNotSessionEnded()
    {
        // A sign-in of its own: signing out ends only that session, not the one the other tests share.
        var page = await browser.Portal.NewPageAsync();
        await new LoginPage(page).OpenAsync();
        await new LoginPage(page).SignInAsync(SignedInBrowser.Email, Accounts.Password);
        await page.WaitForUrlAsync(url => new Uri(url).AbsolutePath == "/");
        var shell = new Shell(page);
        await shell.SignOutAsync();

        await Assertions.Expect(new LoginPage(page).Status).ToContainTextAsync("You have signed out.");
        Assert.DoesNotContain("sessionEnded", page.Url, StringComparison.Ordinal);
    }
}
