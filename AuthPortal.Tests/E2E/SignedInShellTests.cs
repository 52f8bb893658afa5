using Microsoft.Playwright;

namespace AuthPortal.Tests.E2E;

/// <summary>
/// One portal and one sign-in for tests that only need a signed-in administrator: the sign-in happens once and
/// its storage state (the cookie) opens every test's fresh browser context.
/// </summary>
public sealed class SignedInBrowser : IAsyncLifetime
{
    public const string Email = "ops@example.com";

    private string _storageState = "";

    public BrowserPortal Portal { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        Portal = await BrowserPortal.StartAsync(PortalSettings.WithAdministrator(Email));
        var page = await Portal.NewPageAsync();
        await new LoginPage(page).OpenAsync();
        await new LoginPage(page).SignInAsync(Email, Accounts.Password);
        await new Shell(page).WaitUntilInteractiveAsync();
        _storageState = await page.Context.StorageStateAsync();
        await page.Context.CloseAsync();
    }

    /// <summary>A new browser context that is already signed in, on <paramref name="path"/>, with a live circuit.</summary>
    public async Task<IPage> OpenAsync(string path, int width = 1280, int height = 800)
    {
        var page = await Portal.NewPageAsync(storageState: _storageState, viewport: new ViewportSize { Width = width, Height = height });
        await page.GotoAsync(path);
        await new Shell(page).WaitUntilInteractiveAsync();
        return page;
    }

    public async Task DisposeAsync() => await Portal.DisposeAsync();
}

[Trait("Category", "E2E")]
[Collection(BrowserCollection.Name)]
public sealed class SignedInShellTests(SignedInBrowser browser) : IClassFixture<SignedInBrowser>
{
    [Fact]
    public async Task ShellWorksOnAPhoneSizedScreen()
    {
        var page = await browser.OpenAsync("/", width: 390, height: 844);
        var shell = new Shell(page);

        // On a phone the drawer starts closed and opens from the menu button.
        await Assertions.Expect(shell.AdminNavigation).Not.ToBeInViewportAsync();
        await page.ClickAsync("[aria-label='Toggle navigation']");
        await Assertions.Expect(shell.AdminNavigation).ToBeInViewportAsync();
        await BrowserPortal.ScreenshotForDocsAsync(page, "phone-navigation");
    }

    [Fact]
    public async Task TheNavigationMarksThePageYouAreOnAndFollowsYou()
    {
        var page = await browser.OpenAsync("/");
        var dashboard = page.Locator(".mud-navmenu a[href='/']");
        var users = page.Locator(".mud-navmenu a[href='admin/users']");
        await Assertions.Expect(dashboard).ToHaveAttributeAsync("aria-current", "page");
        await Assertions.Expect(users).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bactive\b"));

        // From the dashboard (no circuit) into an interactive page, then inside its circuit: the marker moves with the route.
        await users.ClickAsync();
        await PageNavigation.WaitForUrlAsync(page, "**/admin/users");
        await new Shell(page).WaitUntilInteractivePageAsync();
        await Assertions.Expect(users).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bactive\b"));
        await Assertions.Expect(dashboard).Not.ToHaveAttributeAsync("aria-current", "page");
        await page.Locator(".mud-navmenu a[href='admin/audit']").ClickAsync();
        await PageNavigation.WaitForUrlAsync(page, "**/admin/audit");
        await Assertions.Expect(users).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bactive\b"));
        await Assertions.Expect(page.Locator(".mud-navmenu a[href='admin/audit']")).ToHaveAttributeAsync("aria-current", "page");
    }

    [Fact]
    public async Task ProfileChangesAreSavedWithASnackbar()
    {
        var page = await browser.OpenAsync("/profile");

        var name = page.Locator("[data-testid=display-name] input, input[data-testid=display-name]").First;
        await name.FillAsync("Olga Operator");
        await page.ClickAsync("[data-testid=save-profile]");
        await Assertions.Expect(page.GetByText("Profile saved.")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=profile-avatar]")).ToHaveTextAsync("OO");
        // The app bar follows at once, without signing in again.
        await Assertions.Expect(page.Locator("[data-testid=user-menu-button]")).ToContainTextAsync("OO");
        await BrowserPortal.ScreenshotForDocsAsync(page, "profile");
    }

    [Fact]
    public async Task CreateAnApiKeyReadItOnceUseItAndRevokeIt()
    {
        var page = await browser.OpenAsync("/api-keys");
        await Assertions.Expect(page.Locator("[data-testid=no-api-keys]")).ToBeVisibleAsync();
        await BrowserPortal.ScreenshotForDocsAsync(page, "api-keys-empty");

        await page.ClickAsync("[data-testid=new-api-key]");
        await page.Locator("[data-testid=api-key-name] input, input[data-testid=api-key-name]").First.FillAsync("Nightly export");
        await page.ClickAsync("[data-testid=scope-users\\.read] input, [data-testid=scope-users\\.read]");
        await BrowserPortal.ScreenshotForDocsAsync(page, "api-key-create");
        await page.ClickAsync("[data-testid=api-key-create]");
        var key = (await page.Locator("[data-testid=api-key-value]").TextContentAsync())!.Trim();
        await Assertions.Expect(page.Locator("[data-testid=api-key-curl]")).ToContainTextAsync(key);
        await BrowserPortal.ScreenshotForDocsAsync(page, "api-key-created");
        await page.ClickAsync("[data-testid=api-key-done]");
        await Assertions.Expect(page.Locator("[data-testid=api-key-list]")).ToContainTextAsync("Nightly export");
        await Assertions.Expect(page.Locator("[data-testid=api-key-list]")).Not.ToContainTextAsync(key);

        using var http = new HttpClient { BaseAddress = new Uri(browser.Portal.BaseUrl) };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        var me = await http.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Contains("users.read", await me.Content.ReadAsStringAsync());

        await page.ClickAsync("[data-testid=revoke-api-key]");
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Key revoked.")).ToBeVisibleAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task CreateAServiceAccountGiveItAKeyUseItAndDisableIt()
    {
        var page = await browser.OpenAsync("/admin/service-accounts");
        await Assertions.Expect(page.Locator("[data-testid=no-service-accounts]")).ToBeVisibleAsync();

        await page.ClickAsync("[data-testid=new-service-account]");
        await page.Locator("[data-testid=service-account-name] input, input[data-testid=service-account-name]").First.FillAsync("ci-deploy");
        await page.Locator("[data-testid=service-account-description] textarea, textarea[data-testid=service-account-description]").First
            .FillAsync("Deploys main from the CI pipeline");
        await page.ClickAsync($"[data-testid=role-{SystemRoles.Administrator}] input, [data-testid=role-{SystemRoles.Administrator}]");
        await page.ClickAsync("[data-testid=service-account-save]");
        await page.WaitForUrlAsync("**/admin/service-accounts/*");
        await Assertions.Expect(page.Locator("[data-testid=service-account-title]")).ToHaveTextAsync("ci-deploy");
        await Assertions.Expect(page.Locator("[data-testid=no-service-account-keys]")).ToBeVisibleAsync();

        await page.ClickAsync("[data-testid=new-service-account-key]");
        await page.Locator("[data-testid=api-key-name] input, input[data-testid=api-key-name]").First.FillAsync("pipeline");
        await page.ClickAsync("[data-testid=scope-users\\.read] input, [data-testid=scope-users\\.read]");
        await page.ClickAsync("[data-testid=api-key-create]");
        var key = (await page.Locator("[data-testid=api-key-value]").TextContentAsync())!.Trim();
        await page.ClickAsync("[data-testid=api-key-done]");
        await Assertions.Expect(page.Locator("[data-testid=service-account-keys]")).ToContainTextAsync("pipeline");
        await BrowserPortal.ScreenshotForDocsAsync(page, "service-account");

        using var http = new HttpClient { BaseAddress = new Uri(browser.Portal.BaseUrl) };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        var me = await http.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Contains("\"userName\":\"ci-deploy\"", await me.Content.ReadAsStringAsync());

        await page.ClickAsync("[data-testid=disable-service-account]");
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Disable" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=service-account-status]")).ToHaveTextAsync("Disabled");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/me")).StatusCode);

        await page.GotoAsync("/admin/service-accounts");
        await Assertions.Expect(page.Locator("[data-testid=service-accounts-table]")).ToContainTextAsync("ci-deploy");
        await BrowserPortal.ScreenshotForDocsAsync(page, "service-accounts");
    }

    [Fact]
    public async Task AFailedSignInInAnotherBrowserIsFoundInTheAuditLogByFiltering()
    {
        var victim = await browser.Portal.Portal.CreateUserAsync("audited-victim@example.com");
        var stranger = await browser.Portal.NewPageAsync();
        await new LoginPage(stranger).OpenAsync();
        await new LoginPage(stranger).SignInAsync("audited-victim@example.com", "a guess that is wrong");
        await Assertions.Expect(new LoginPage(stranger).Status).ToBeVisibleAsync();

        var page = await browser.OpenAsync("/admin/audit");
        await page.Locator("[data-testid=filter-action] input, input[data-testid=filter-action]").First.FillAsync("signin.failed");
        await page.Locator("[data-testid=filter-target] input, input[data-testid=filter-target]").First.FillAsync(victim.Id);
        var rows = page.Locator("[data-testid=audit-table] tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToContainTextAsync("signin.failed");
        await Assertions.Expect(rows.First).ToContainTextAsync("failed");
        await BrowserPortal.ScreenshotForDocsAsync(page, "audit");

        // A row opens its details, the JSON included.
        await rows.First.Locator("td").First.ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=audit-details-json]")).ToContainTextAsync("reason");
        await BrowserPortal.ScreenshotForDocsAsync(page, "audit-details");
        await page.Locator("[data-testid=audit-details] button[aria-label=Close]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=audit-details-json]")).ToBeHiddenAsync();

        await page.ClickAsync("[data-testid=verify-audit]");
        await Assertions.Expect(page.Locator("[data-testid=audit-verification]")).ToContainTextAsync("intact");
    }

    [Fact]
    public async Task TheDashboardsActiveSessionsOpenTheListWhereAnAdministratorRevokesOne()
    {
        await browser.Portal.Portal.CreateUserAsync("listed-in-sessions@example.com");
        using var http = new HttpClient { BaseAddress = new Uri(browser.Portal.BaseUrl) };
        var tokens = await http.GetTokensAsync("listed-in-sessions@example.com");

        var page = await browser.OpenAsync("/");
        await page.Locator("[data-testid='figure-Active sessions']").ClickAsync();
        await PageNavigation.WaitForUrlAsync(page, "**/admin/sessions");
        await new Shell(page).WaitUntilInteractivePageAsync();
        await page.Locator("[data-testid=sessions-search] input, input[data-testid=sessions-search]").First.FillAsync("listed-in-sessions@");
        var rows = page.Locator("[data-testid=admin-sessions-table] tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToContainTextAsync("listed-in-sessions@example.com");
        await BrowserPortal.ScreenshotForDocsAsync(page, "admin-sessions");

        await rows.First.Locator("[data-testid=revoke-session]").ClickAsync();
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Session revoked.")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=no-sessions]")).ToBeVisibleAsync();
        Assert.Equal(HttpStatusCode.BadRequest, (await http.RefreshGrantAsync(tokens.RefreshToken)).StatusCode);
    }
}
