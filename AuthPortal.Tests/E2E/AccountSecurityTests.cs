using Microsoft.Playwright;

namespace AuthPortal.Tests.E2E;

[Trait("Category", "E2E")]
[Collection(BrowserCollection.Name)]
public sealed class AccountSecurityTests
{
    private static readonly Dictionary<string, string?> WithAdministrator = PortalSettings.WithAdministrator("ops@example.com");

    [Fact]
    public async Task RegisterConfirmEnableTwoFactorSignInWithATotpCodeThenMoveToANewDevice()
    {
        await using var portal = await BrowserPortal.StartAsync(WithAdministrator);
        var page = await portal.NewPageAsync();
        const string email = "totp-person@example.com", password = "orange kettle mountain drift";

        await new RegisterPage(page).RegisterAsync(email, "Totp Person", password);
        await page.GotoAsync(portal.Portal.Mailbox.LinkIn(email, "Confirm your email"));
        await Assertions.Expect(page.Locator("[data-testid=email-confirmed]")).ToBeVisibleAsync();
        await new LoginPage(page).OpenAsync();
        await new LoginPage(page).SignInAsync(email, password);
        await new Shell(page).WaitUntilInteractiveAsync();

        var security = new SecurityPage(page);
        await security.OpenAsync();
        await BrowserPortal.ScreenshotForDocsAsync(page, "security");
        // An account accepts each 30-second step's code once, and only steps later than the last it accepted: enrolment,
        // sign-in and the move below each take the step after the last one used, or the one before now if that is later
        // (the portal accepts a step either side of now), so the test does not wait for a new code as a person would.
        var lastStep = 0L;
        async Task<string> NextCodeForAsync(string appKey)
        {
            while (true)
            {
                var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
                var step = Math.Max(now / 30 - 1, lastStep + 1);
                // The step before now stops being accepted when the step turns: with under 5 s left, wait for the turn.
                if (step == now / 30 - 1 && now % 30 >= 25)
                {
                    await Task.Delay(TimeSpan.FromSeconds(30 - now % 30));
                    continue;
                }
                lastStep = step;
                return Totp.Code(appKey, DateTimeOffset.FromUnixTimeSeconds(step * 30));
            }
        }
        await security.EnableAuthenticatorAsync(async dialogPage => await BrowserPortal.ScreenshotForDocsAsync(dialogPage, "two-factor-setup"),
            codeFor: NextCodeForAsync);
        await page.ClickAsync("[data-testid=recovery-codes-done]");
        await page.WaitForUrlAsync("**/security?done=2fa-on");
        await new Shell(page).WaitUntilInteractiveAsync();
        await Assertions.Expect(page.Locator("[data-testid='2fa-status']")).ToHaveTextAsync("On");

        await new Shell(page).SignOutAsync();
        await new LoginPage(page).SignInAsync(email, password);
        await page.WaitForUrlAsync("**/Account/LoginWith2fa**");
        var key = await AuthenticatorKeyAsync();
        await page.FillAsync("#code", await NextCodeForAsync(key));
        await page.ClickAsync("[data-testid='2fa-submit']");
        await new Shell(page).WaitUntilInteractiveAsync();
        await Assertions.Expect(page.GetByText("Welcome, Totp Person")).ToBeVisibleAsync();

        // Move to a new device, first abandoned: cancelling changes nothing, 2FA stays on with the old key.
        await security.OpenAsync();
        await page.ClickAsync("[data-testid=reset-authenticator]");
        await Assertions.Expect(page.Locator("[data-testid=move-notice]")).ToBeVisibleAsync();
        var abandonedKey = (await page.Locator("[data-testid=totp-key]").TextContentAsync())!.Trim();
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Assertions.Expect(page.Locator(".mud-dialog")).ToHaveCountAsync(0);
        await security.OpenAsync();
        await Assertions.Expect(page.Locator("[data-testid='2fa-status']")).ToHaveTextAsync("On");
        Assert.Equal(key, await AuthenticatorKeyAsync());

        // Then done: a code from the new app's key switches over, and the old app's key is gone.
        await page.ClickAsync("[data-testid=reset-authenticator]");
        var newKey = (await page.Locator("[data-testid=totp-key]").TextContentAsync())!.Trim();
        Assert.NotEqual(Normalized(abandonedKey), Normalized(newKey));
        await page.Locator("[data-testid=totp-code] input, input[data-testid=totp-code]").First.FillAsync(Totp.Code(key));
        await page.ClickAsync("[data-testid=totp-verify]");
        await Assertions.Expect(page.Locator(".mud-dialog .mud-input-helper-text")).ToContainTextAsync("not right");
        await page.Locator("[data-testid=totp-code] input, input[data-testid=totp-code]").First.FillAsync(await NextCodeForAsync(newKey));
        await page.ClickAsync("[data-testid=totp-verify]");
        await page.WaitForUrlAsync("**/security?done=2fa-moved");
        await new Shell(page).WaitUntilInteractiveAsync();
        await Assertions.Expect(page.Locator("[data-testid='2fa-status']")).ToHaveTextAsync("On");
        Assert.Equal(Normalized(newKey), await AuthenticatorKeyAsync());
        Assert.Empty(portal.ConsoleErrors);

        // The key the person's app holds (stored encrypted, so asked of Identity, not read from the table).
        async Task<string> AuthenticatorKeyAsync()
        {
            await using var scope = portal.Portal.Services.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            return (await users.GetAuthenticatorKeyAsync((await users.FindByEmailAsync(email))!))!;
        }
        static string Normalized(string shownKey) => shownKey.Replace(" ", "").ToUpperInvariant();
    }

    [Fact]
    public async Task AddAPasskeyThenSignInWithItAlone()
    {
        await using var portal = await BrowserPortal.StartAsync(WithAdministrator);
        var page = await portal.NewPageAsync();
        // A virtual authenticator (Chrome DevTools Protocol) stands in for the fingerprint reader.
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("WebAuthn.enable");
        await cdp.SendAsync("WebAuthn.addVirtualAuthenticator", new Dictionary<string, object>
        {
            ["options"] = new Dictionary<string, object>
            {
                ["protocol"] = "ctap2", ["transport"] = "internal", ["hasResidentKey"] = true,
                ["hasUserVerification"] = true, ["isUserVerified"] = true, ["automaticPresenceSimulation"] = true,
            },
        });

        await new LoginPage(page).OpenAsync();
        await new LoginPage(page).SignInAsync("ops@example.com", Accounts.Password);
        await new Shell(page).WaitUntilInteractiveAsync();
        await new SecurityPage(page).OpenAsync();
        await page.ClickAsync("[data-testid=add-passkey]");
        await page.WaitForUrlAsync("**/Account/Passkeys/Add");
        await page.FillAsync("#passkeyName", "Test laptop");
        await page.ClickAsync("[data-testid=add-passkey-submit]");
        await page.WaitForUrlAsync("**/security?done=passkey-added");
        await new Shell(page).WaitUntilInteractiveAsync();
        await Assertions.Expect(page.Locator("[data-testid=passkey-list]")).ToContainTextAsync("Test laptop");

        await new Shell(page).SignOutAsync();
        await page.ClickAsync("[data-testid=passkey-login]");
        await new Shell(page).WaitUntilInteractiveAsync();
        await Assertions.Expect(page.GetByText("Welcome, Administrator")).ToBeVisibleAsync();
    }
}
