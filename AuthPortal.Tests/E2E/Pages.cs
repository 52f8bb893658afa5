using Microsoft.Playwright;

namespace AuthPortal.Tests.E2E;

// Page objects: each knows one page's fields and buttons, so the tests read as what a person does.

public sealed class LoginPage(IPage page)
{
    public async Task OpenAsync() => await page.GotoAsync("/Account/Login");

    public async Task SignInAsync(string login, string password)
    {
        await page.FillAsync("#login", login);
        await page.FillAsync("#password", password);
        await page.ClickAsync("[data-testid=login-submit]");
    }

    public ILocator Status => page.Locator("[data-testid=status-message]");
}

public sealed class SetupPage(IPage page)
{
    public async Task CreateAdministratorAsync(string token, string email, string name, string password)
    {
        await page.GotoAsync($"/setup?token={token}");
        await NewAccountForm.FillAsync(page, email, name, password);
        await page.ClickAsync("[data-testid=setup-submit]");
    }
}

/// <summary>The email / name / password / confirm fields that setup and registration share.</summary>
internal static class NewAccountForm
{
    public static async Task FillAsync(IPage page, string email, string name, string password)
    {
        await page.FillAsync("#email", email);
        await page.FillAsync("#displayName", name);
        await page.FillAsync("#password", password);
        await page.FillAsync("#confirmPassword", password);
    }
}

public sealed class RegisterPage(IPage page)
{
    public async Task RegisterAsync(string email, string name, string password)
    {
        await page.GotoAsync("/Account/Register");
        await NewAccountForm.FillAsync(page, email, name, password);
        await page.ClickAsync("[data-testid=register-submit]");
    }
}

/// <summary>The interactive MudBlazor shell: app bar, drawer, user menu.</summary>
public sealed class Shell(IPage page)
{
    public async Task WaitUntilInteractiveAsync() =>
        await page.WaitForSelectorAsync("[data-interactive=true]");

    /// <summary>
    /// After a link from the dashboard (a page without a circuit) to an interactive page: the address changes before the
    /// new page is merged in, and the dashboard is already marked live, so this waits for the interactive page's own app
    /// bar (no script-driven toggle) to be live.
    /// </summary>
    public async Task WaitUntilInteractivePageAsync() =>
        await page.WaitForFunctionAsync(
            "() => document.querySelector('.mud-layout[data-interactive=true]') !== null && document.querySelector('[data-drawer-toggle=script]') === null");

    public ILocator AdminNavigation => page.Locator("[data-testid=admin-nav]");

    public async Task SignOutAsync()
    {
        await WaitUntilInteractiveAsync();
        await page.ClickAsync("[data-testid=user-menu-button]");
        await page.ClickAsync("[data-testid=sign-out]");
        await page.WaitForUrlAsync("**/Account/Login**");
    }
}

public sealed class SecurityPage(IPage page)
{
    public async Task OpenAsync()
    {
        await page.GotoAsync("/security");
        await new Shell(page).WaitUntilInteractiveAsync();
    }

    /// <summary>Sets up TOTP by reading the manual key, as a person typing it into an app would; returns the key.</summary>
    /// <param name="codeFor">The code to enter for the key shown (default: the app's current one).</param>
    public async Task<string> EnableAuthenticatorAsync(Func<IPage, Task>? whileDialogOpen = null, Func<string, Task<string>>? codeFor = null)
    {
        await page.ClickAsync("[data-testid=enable-2fa]");
        var key = (await page.Locator("[data-testid=totp-key]").TextContentAsync())!.Trim();
        if (whileDialogOpen is not null)
        {
            await whileDialogOpen(page);
        }
        await page.Locator("[data-testid=totp-code] input, input[data-testid=totp-code]").First.FillAsync(codeFor is null ? Totp.Code(key) : await codeFor(key));
        await page.ClickAsync("[data-testid=totp-verify]");
        await Assertions.Expect(page.Locator("[data-testid=recovery-codes] code")).ToHaveCountAsync(10);
        return key;
    }
}
