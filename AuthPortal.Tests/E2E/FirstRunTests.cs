using Microsoft.Playwright;

namespace AuthPortal.Tests.E2E;

[Trait("Category", "E2E")]
[Collection(BrowserCollection.Name)]
public sealed class FirstRunTests
{
    [Fact]
    public async Task SetupThenAdministratorSignsInSeesAdministrationAndSignsOut()
    {
        await using var portal = await BrowserPortal.StartAsync();
        var page = await portal.NewPageAsync();
        var token = portal.Portal.SetupTokenFromLog();
        Assert.False(string.IsNullOrEmpty(token));

        await page.GotoAsync("/Account/Login");
        await BrowserPortal.ScreenshotForDocsAsync(page, "login");

        await new SetupPage(page).CreateAdministratorAsync(token!, "admin@example.com", "Ada Admin", Accounts.Password);
        await page.WaitForUrlAsync("**/Account/Login?setup=done**");
        await Assertions.Expect(new LoginPage(page).Status).ToContainTextAsync("administrator account is ready");

        await new LoginPage(page).SignInAsync("admin@example.com", Accounts.Password);
        var shell = new Shell(page);
        await shell.WaitUntilInteractiveAsync();
        await Assertions.Expect(page.GetByText("Welcome, Ada Admin")).ToBeVisibleAsync();
        await Assertions.Expect(shell.AdminNavigation).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=admin-figures]")).ToBeVisibleAsync();
        await BrowserPortal.ScreenshotForDocsAsync(page, "dashboard", fullPage: true);

        await page.ClickAsync("a[href='admin/users']");
        await shell.WaitUntilInteractivePageAsync();
        await Assertions.Expect(page.Locator("[data-testid=users-table]")).ToContainTextAsync("admin@example.com");
        await BrowserPortal.ScreenshotForDocsAsync(page, "admin-users");

        // Dark mode is remembered by the browser: it survives a reload.
        await page.ClickAsync("[data-testid=theme-toggle]");
        await Assertions.Expect(page.Locator("body")).ToHaveClassAsync("ap-dark");
        await page.ReloadAsync();
        await shell.WaitUntilInteractiveAsync();
        await Assertions.Expect(page.Locator("body")).ToHaveClassAsync("ap-dark");
        await BrowserPortal.ScreenshotForDocsAsync(page, "admin-users-dark");

        await shell.SignOutAsync();
        await Assertions.Expect(new LoginPage(page).Status).ToContainTextAsync("You have signed out.");
        Assert.Empty(portal.ConsoleErrors);
        await page.GotoAsync("/");
        await page.WaitForUrlAsync("**/Account/Login**");
    }

    [Fact]
    public async Task NewUserRegistersConfirmsSignsInAndSeesNoAdministration()
    {
        await using var portal = await BrowserPortal.StartAsync(PortalSettings.WithAdministrator("ops@example.com"));
        var page = await portal.NewPageAsync();

        await new RegisterPage(page).RegisterAsync("bea@example.com", "Bea User", "a long enough passphrase");
        await Assertions.Expect(page.Locator("[data-testid=register-confirmation]")).ToContainTextAsync("bea@example.com");

        var link = portal.Portal.Mailbox.LinkIn("bea@example.com", "Confirm your email");
        await page.GotoAsync(link);
        await Assertions.Expect(page.Locator("[data-testid=email-confirmed]")).ToBeVisibleAsync();

        await new LoginPage(page).OpenAsync();
        await new LoginPage(page).SignInAsync("bea@example.com", "a long enough passphrase");
        var shell = new Shell(page);
        await shell.WaitUntilInteractiveAsync();
        await Assertions.Expect(page.GetByText("Welcome, Bea User")).ToBeVisibleAsync();
        await Assertions.Expect(shell.AdminNavigation).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("a[href='admin/users']")).ToHaveCountAsync(0);

        await page.GotoAsync("/admin/users");
        await Assertions.Expect(page.GetByText("Access denied")).ToBeVisibleAsync();
    }
}
