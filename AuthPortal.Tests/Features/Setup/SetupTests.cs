namespace AuthPortal.Tests.Features.Setup;

public sealed class SetupTests
{
    private static Dictionary<string, string> AdminForm(string email = "root@example.com") => new()
    {
        ["Input.Email"] = email,
        ["Input.DisplayName"] = "Root Admin",
        ["Input.Password"] = Accounts.Password,
        ["Input.ConfirmPassword"] = Accounts.Password,
    };

    [Fact]
    public async Task SetupLinkFromTheLogCreatesTheFirstAdministratorOnce()
    {
        using var factory = new PortalFactory(null);
        var token = factory.SetupTokenFromLog();
        Assert.False(string.IsNullOrEmpty(token));
        var client = factory.CreatePortalClient();

        var created = await client.SubmitAsync($"/setup?token={token}", "setup", AdminForm());
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        Assert.StartsWith("/Account/Login?setup=done", created.LocalRedirect());

        // The same link again: setup is over, no second account.
        var again = await client.GetAsync($"/setup?token={token}");
        Assert.Contains("Setup is complete", await again.TextAsync());
        var secondPost = await client.PostAsync($"/setup?token={token}", new FormUrlEncodedContent(
            HtmlForms.HiddenFields(await (await client.GetAsync("/Account/Login")).Content.ReadAsStringAsync(), "login")
                .Where(f => f.Key == "__RequestVerificationToken")
                .Concat(AdminForm("second@example.com"))
                .Append(new("_handler", "setup")).Append(new("Input.Token", token!))));
        Assert.NotEqual(HttpStatusCode.Redirect, secondPost.StatusCode);
        Assert.Equal(1, await factory.WithDbAsync(db => db.Users.CountAsync()));

        var signIn = await client.SignInAsync("root@example.com");
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var home = await (await client.GetAsync("/")).TextAsync();
        Assert.Contains("Administration", home);
        Assert.True(await factory.WithDbAsync(db => db.AuditEvents.AnyAsync(e => e.Action == AuditActions.SetupCompleted)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("?token=wrong")]
    public async Task SetupWithoutTheRightTokenShowsNoForm(string query)
    {
        using var factory = new PortalFactory(null);
        var client = factory.CreatePortalClient();

        var page = await client.GetAsync($"/setup{query}");
        var text = await page.TextAsync();

        Assert.Contains("This setup link does not work", text);
        Assert.DoesNotContain("Create administrator", text);
        Assert.False(await factory.WithDbAsync(db => db.Users.AnyAsync()));
    }

    [Fact]
    public async Task BootstrapSettingsCreateTheAdministratorAndNoSetupLink()
    {
        using var factory = new PortalFactory(null, settings: PortalSettings.WithAdministrator("ops@example.com"));
        var client = factory.CreatePortalClient();

        var signIn = await client.SignInAsync("ops@example.com");

        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Null(factory.SetupTokenFromLog());
        var roles = await factory.WithDbAsync(db => (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id select r.Name).ToListAsync());
        Assert.Equal([SystemRoles.Administrator], roles);
        Assert.Contains("Setup is complete", await (await client.GetAsync("/setup")).TextAsync());
    }

    [Fact]
    public async Task SelfRegistrationWaitsForTheAdministratorAndCannotBlockSetup()
    {
        using var factory = new PortalFactory(null);
        var token = factory.SetupTokenFromLog();
        var client = factory.CreatePortalClient();

        var early = await client.SubmitAsync("/Account/Register", "register", new Dictionary<string, string>
        {
            ["Input.Email"] = "early@example.com", ["Input.DisplayName"] = "Early Bird",
            ["Input.Password"] = Accounts.Password, ["Input.ConfirmPassword"] = Accounts.Password,
        });
        Assert.Contains("still being set up", await early.TextAsync());
        Assert.False(await factory.WithDbAsync(db => db.Users.AnyAsync()));

        // Even with a plain user present (created another way), setup still creates the administrator.
        await factory.CreateUserAsync("someone@example.com");
        var created = await client.SubmitAsync($"/setup?token={token}", "setup", AdminForm());
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        Assert.Equal(2, await factory.WithDbAsync(db => db.Users.CountAsync()));
    }

    [Fact]
    public async Task NoDefaultAccountExistsOnAFreshPortal()
    {
        using var factory = new PortalFactory(null);
        Assert.False(await factory.WithDbAsync(db => db.Users.AnyAsync()));
        Assert.Contains(factory.LogLines, l => l.Contains("/setup?token=", StringComparison.Ordinal));
    }
}
