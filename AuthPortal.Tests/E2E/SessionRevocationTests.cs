using System.Diagnostics;
using Microsoft.Playwright;

namespace AuthPortal.Tests.E2E;

[Trait("Category", "E2E")]
[Collection(BrowserCollection.Name)]
public sealed class SessionRevocationTests
{
    [Fact]
    public async Task RevokingInOneBrowserSendsTheOtherToTheLoginPageWithinTwoSeconds()
    {
        await using var portal = await BrowserPortal.StartAsync(PortalSettings.WithAdministrator("ops@example.com"));
        var pageA = await portal.NewPageAsync();
        var pageB = await portal.NewPageAsync(); // a second browser context: its own cookies, its own session
        foreach (var page in new[] { pageA, pageB })
        {
            await new LoginPage(page).OpenAsync();
            await new LoginPage(page).SignInAsync("ops@example.com", Accounts.Password);
            await new Shell(page).WaitUntilInteractiveAsync();
        }

        await pageA.GotoAsync("/sessions");
        await new Shell(pageA).WaitUntilInteractiveAsync();
        await Assertions.Expect(pageA.Locator("[data-testid=session-list] tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(pageA.Locator("[data-testid=current-session]")).ToHaveCountAsync(1);
        await BrowserPortal.ScreenshotForDocsAsync(pageA, "sessions");

        // B is reading its profile when A signs it out.
        await pageB.GotoAsync("/profile");
        await new Shell(pageB).WaitUntilInteractiveAsync();
        await pageA.ClickAsync("[data-testid=revoke-others]");
        await pageA.GetByRole(AriaRole.Button, new() { Name = "Sign them out" }).ClickAsync();
        var clock = Stopwatch.StartNew();

        // B does nothing: its live circuit is told, and it lands on the login page by itself, once, remembering where it was.
        await pageB.WaitForUrlAsync("**/Account/Login?sessionEnded=1&returnUrl=%2Fprofile", new() { Timeout = 2000 });
        clock.Stop();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        await Assertions.Expect(pageB.Locator("[data-testid=status-message]")).ToContainTextAsync("Your session ended");
        // A is untouched and now lists one session.
        await Assertions.Expect(pageA.Locator("[data-testid=session-list] tbody tr")).ToHaveCountAsync(1);

        // Signing in again goes back to the page the session ended on.
        await new LoginPage(pageB).SignInAsync("ops@example.com", Accounts.Password);
        await pageB.WaitForUrlAsync("**/profile");
        await new Shell(pageB).WaitUntilInteractiveAsync();

        await pageA.ReloadAsync();
        await new Shell(pageA).WaitUntilInteractiveAsync();
        Assert.Contains("/sessions", pageA.Url);
    }

    [Fact]
    public async Task AnAdministratorRevokesAUsersSessionsFromTheUserPage()
    {
        await using var portal = await BrowserPortal.StartAsync(PortalSettings.WithAdministrator("ops@example.com"));
        var user = await portal.Portal.CreateUserAsync("member@example.com");
        var memberPage = await portal.NewPageAsync();
        await new LoginPage(memberPage).OpenAsync();
        await new LoginPage(memberPage).SignInAsync("member@example.com", Accounts.Password);
        await new Shell(memberPage).WaitUntilInteractiveAsync();

        var admin = await portal.NewPageAsync();
        await new LoginPage(admin).OpenAsync();
        await new LoginPage(admin).SignInAsync("ops@example.com", Accounts.Password);
        await new Shell(admin).WaitUntilInteractiveAsync();
        await admin.GotoAsync("/admin/users");
        await new Shell(admin).WaitUntilInteractiveAsync();
        await admin.GetByText("member@example.com").ClickAsync();
        await admin.WaitForUrlAsync($"**/admin/users/{user.Id}");
        await Assertions.Expect(admin.Locator("[data-testid=session-list] tbody tr")).ToHaveCountAsync(1);
        await BrowserPortal.ScreenshotForDocsAsync(admin, "admin-user");

        await admin.ClickAsync("[data-testid=revoke-all]");
        await admin.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Revoke all" }).ClickAsync();

        await Assertions.Expect(admin.GetByText("All sessions revoked.")).ToBeVisibleAsync();
        await Assertions.Expect(admin.Locator("[data-testid=no-sessions]")).ToBeVisibleAsync();
        await memberPage.WaitForUrlAsync("**/Account/Login?sessionEnded=1&returnUrl=%2F", new() { Timeout = 2000 });
    }
}
