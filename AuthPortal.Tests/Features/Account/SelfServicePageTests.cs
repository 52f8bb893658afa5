using AuthPortal.Components.Shared;
using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using MudBlazor.Services;

namespace AuthPortal.Tests.Features.Account;

/// <summary>
/// bUnit tests of the interactive profile and security pages, wired to the real services of a running
/// portal (real SQLite file), so they check what the components do, not their markup.
/// </summary>
public sealed class SelfServicePageTests : IClassFixture<DefaultPortal>, IAsyncLifetime
{
    private readonly DefaultPortal _portal;
    private readonly BunitContext _bunit = new();

    public SelfServicePageTests(DefaultPortal portal)
    {
        _portal = portal;
        _bunit.JSInterop.Mode = JSRuntimeMode.Loose;
        _bunit.Services.AddMudServices();
        foreach (var shared in new[] { typeof(SelfService), typeof(PublicAddress), typeof(TimeProvider), typeof(IDbContextFactory<AppDbContext>), typeof(AuditLog) })
        {
            _bunit.Services.AddSingleton(shared, portal.Services.GetRequiredService(shared));
        }
        _bunit.Services.AddScoped<Viewer>();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // MudBlazor's services are only async-disposable.
    public async Task DisposeAsync() => await _bunit.DisposeAsync();

    private async Task<AppUser> SignedInUserAsync(string email, DateTimeOffset? authTime = null)
    {
        var user = await _portal.CreateUserAsync(email);
        _bunit.AddAuthorization().SetAuthorized(email).SetClaims(
            new Claim(ClaimTypes.NameIdentifier, user.Id),
            RecentSignIn.ClaimFor(authTime ?? DateTimeOffset.UtcNow));
        return user;
    }

    private IRenderedComponent<TPage> RenderPage<TPage>() where TPage : IComponent
    {
        var host = _bunit.Render(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<MudDialogProvider>(1);
            builder.CloseComponent();
            builder.OpenComponent<TPage>(2);
            builder.CloseComponent();
        });
        return host.FindComponent<TPage>();
    }

    private ISnackbar Snackbar => _bunit.Services.GetRequiredService<ISnackbar>();

    [Fact]
    public async Task SavingTheProfileStoresNameAndTimeZoneAndSaysSo()
    {
        var user = await SignedInUserAsync("bunit-profile@example.com");
        var page = RenderPage<ProfilePage>();
        page.WaitForElement("[data-testid=save-profile]");

        page.Find("[data-testid=display-name] input, input[data-testid=display-name]").Change("Grace Brewster Hopper");
        await page.InvokeAsync(() => page.FindComponent<MudAutocomplete<string>>().Instance.SelectOptionAsync("Europe/Berlin"));
        page.Find("button[data-testid=save-profile]").Click();

        page.WaitForAssertion(() => Assert.Contains(Snackbar.ShownSnackbars, s => s.Message == "Profile saved."));
        var stored = await _portal.WithDbAsync(db => db.Users.Where(u => u.Id == user.Id).Select(u => new { u.DisplayName, u.TimeZone }).SingleAsync());
        Assert.Equal("Grace Brewster Hopper", stored.DisplayName);
        Assert.Equal("Europe/Berlin", stored.TimeZone);
        Assert.Equal("GB", page.Find("[data-testid=profile-avatar]").TextContent.Trim());
    }

    [Fact]
    public async Task AnEmptyNameIsAFieldErrorAndChangesNothing()
    {
        var user = await SignedInUserAsync("bunit-empty-name@example.com");
        var page = RenderPage<ProfilePage>();
        page.WaitForElement("[data-testid=save-profile]");

        page.Find("[data-testid=display-name] input, input[data-testid=display-name]").Change("   ");
        page.Find("button[data-testid=save-profile]").Click();

        page.WaitForAssertion(() => Assert.Contains("Enter your name.", page.Markup));
        Assert.Empty(Snackbar.ShownSnackbars);
        Assert.Equal("bunit-empty-name", await _portal.WithDbAsync(db => db.Users.Where(u => u.Id == user.Id).Select(u => u.DisplayName).SingleAsync()));
    }

    [Fact]
    public async Task TheStrengthBarFollowsTheNewPasswordAndGatesTheButton()
    {
        await SignedInUserAsync("bunit-password@example.com");
        var page = RenderPage<SecurityPage>();
        page.WaitForElement("[data-testid=change-password]");
        page.Find("[data-testid=current-password] input, input[data-testid=current-password]").Change(Accounts.Password);

        page.Find("[data-testid=new-password] input, input[data-testid=new-password]").Input("password1234");
        page.WaitForAssertion(() => Assert.Equal("0", page.Find("[data-testid=strength-bar]").GetAttribute("data-score")), TimeSpan.FromSeconds(3));
        Assert.True(page.Find("button[data-testid=change-password]").HasAttribute("disabled"));

        page.Find("[data-testid=new-password] input, input[data-testid=new-password]").Input("violet harbor quartz lantern");
        page.Find("[data-testid=confirm-password] input, input[data-testid=confirm-password]").Input("violet harbor quartz lantern");
        page.WaitForAssertion(() => Assert.Equal("4", page.Find("[data-testid=strength-bar]").GetAttribute("data-score")), TimeSpan.FromSeconds(3));
        page.WaitForAssertion(() => Assert.False(page.Find("button[data-testid=change-password]").HasAttribute("disabled")));
    }

    [Fact]
    public async Task SecurityShowsTwoFactorOffAnEmptyPasskeyListAndAsksForARecentSignIn()
    {
        await SignedInUserAsync("bunit-security@example.com", authTime: DateTimeOffset.UtcNow.AddMinutes(-30));
        var page = RenderPage<SecurityPage>();

        page.WaitForAssertion(() => Assert.Equal("Off", page.Find("[data-testid='2fa-status']").TextContent.Trim()));
        Assert.Contains("No passkeys yet", page.Find("[data-testid=no-passkeys]").TextContent);
        Assert.NotNull(page.Find("[data-testid=reauth-notice]"));

        // Starting 2FA set-up with a stale sign-in sends the person to confirm their password first.
        page.Find("button[data-testid=enable-2fa]").Click();
        var navigation = _bunit.Services.GetRequiredService<NavigationManager>();
        // The click's handler checks the sign-in time before it navigates: wait for the navigation, not the click.
        page.WaitForAssertion(() => Assert.Contains("/Account/Reauthenticate?returnUrl=%2Fsecurity", navigation.Uri));
    }

    [Fact]
    public async Task SecurityListsTheUsersRecentSignInsAndFailuresWithWhatToDoIfNotThem()
    {
        var user = await SignedInUserAsync("bunit-activity@example.com");
        var client = _portal.CreatePortalClient();
        Assert.Equal("invalid_grant", await (await client.PasswordGrantAsync("bunit-activity@example.com", "somebody guessing")).ErrorCodeAsync());
        await client.GetTokensAsync("bunit-activity@example.com");

        var page = RenderPage<SecurityPage>();

        page.WaitForAssertion(() => Assert.Contains("Failed sign-in", page.Find("[data-testid=security-activity]").TextContent));
        Assert.Contains("Signed in from a script", page.Find("[data-testid=security-activity]").TextContent);
        Assert.Equal("sessions", page.Find("[data-testid=not-me-sessions]").GetAttribute("href"));
        Assert.NotNull(user);
    }
}
