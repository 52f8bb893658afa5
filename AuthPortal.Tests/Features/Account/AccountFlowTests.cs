using AuthPortal.Components.Account.Pages;
namespace AuthPortal.Tests.Features.Account;

public sealed class AccountFlowTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    private const string NewPassword = "violet harbor quartz lantern";

    private static Dictionary<string, string> ResetForm(string password) => new() { ["Input.Password"] = password, ["Input.ConfirmPassword"] = password };

    [Fact]
    public async Task ForgotPasswordLinkResetsThePasswordOnceAndUnlocksTheAccount()
    {
        var user = await factory.CreateUserAsync("forgetful@example.com");
        var client = factory.CreatePortalClient();
        for (var i = 0; i < 5; i++)
        {
            await client.SignInAsync("forgetful@example.com", $"not it {i}");
        }

        var asked = await client.SubmitAsync("/Account/ForgotPassword", "forgot-password", new Dictionary<string, string> { ["Input.Email"] = "forgetful@example.com" });
        Assert.Contains("If forgetful@example.com belongs to an account", await asked.TextAsync());
        var link = new Uri(factory.Mailbox.LinkIn("forgetful@example.com", "Reset your password")).PathAndQuery;

        var reset = await client.SubmitAsync(link, "reset-password", ResetForm(NewPassword));
        Assert.Equal(HttpStatusCode.Redirect, reset.StatusCode);
        Assert.StartsWith("/Account/Login?reset=done", reset.LocalRedirect());

        var again = await client.GetAsync(link);
        Assert.Contains("This link does not work any more", await again.TextAsync());

        Assert.Equal(HttpStatusCode.Redirect, (await client.SignInAsync("forgetful@example.com", NewPassword)).StatusCode);
        Assert.Contains(Login.GenericFailure, await (await factory.CreatePortalClient().SignInAsync("forgetful@example.com")).TextAsync());
        Assert.True(await factory.WithDbAsync(db => db.AuditEvents.AnyAsync(e => e.Action == AuditActions.PasswordReset && e.TargetId == user.Id)));
    }

    [Fact]
    public async Task ForgotPasswordForAnUnknownEmailLooksTheSameAndSendsNothing()
    {
        var before = factory.Mailbox.Messages.Count;

        await factory.CreateUserAsync("known-forgetter@example.com");
        var response = await factory.CreatePortalClient().SubmitAsync("/Account/ForgotPassword", "forgot-password",
            new Dictionary<string, string> { ["Input.Email"] = "ghost@example.com" });
        var known = await factory.CreatePortalClient().SubmitAsync("/Account/ForgotPassword", "forgot-password",
            new Dictionary<string, string> { ["Input.Email"] = "known-forgetter@example.com" });
        await SameAnswer.AssertAsync(response, known, "ghost@example.com", "known-forgetter@example.com");

        Assert.Contains("If ghost@example.com belongs to an account", await response.TextAsync());
        Assert.Empty(factory.Mailbox.To("ghost@example.com"));
        Assert.Single(factory.Mailbox.To("known-forgetter@example.com"));
        Assert.Equal(before + 1, factory.Mailbox.Messages.Count);
    }

    [Fact]
    public async Task AWeakNewPasswordIsRefusedAndTheLinkStillWorks()
    {
        await factory.CreateUserAsync("weak-reset@example.com");
        var client = factory.CreatePortalClient();
        await client.SubmitAsync("/Account/ForgotPassword", "forgot-password", new Dictionary<string, string> { ["Input.Email"] = "weak-reset@example.com" });
        var link = new Uri(factory.Mailbox.LinkIn("weak-reset@example.com", "Reset your password")).PathAndQuery;

        var weak = await client.SubmitAsync(link, "reset-password", ResetForm("password1234"));
        Assert.Equal(HttpStatusCode.OK, weak.StatusCode);
        Assert.Contains("commonly used password", await weak.TextAsync());

        var strong = await client.SubmitAsync(link, "reset-password", ResetForm(NewPassword));
        Assert.Equal(HttpStatusCode.Redirect, strong.StatusCode);
    }

    [Fact]
    public async Task ResendConfirmationSendsANewLinkOnlyToUnconfirmedAccounts()
    {
        await factory.CreateUserAsync("pending@example.com", confirmed: false);
        await factory.CreateUserAsync("already@example.com");
        var client = factory.CreatePortalClient();

        await client.SubmitAsync("/Account/ResendEmailConfirmation", "resend-confirmation", new Dictionary<string, string> { ["Input.Email"] = "pending@example.com" });
        await client.SubmitAsync("/Account/ResendEmailConfirmation", "resend-confirmation", new Dictionary<string, string> { ["Input.Email"] = "already@example.com" });

        Assert.Single(factory.Mailbox.To("pending@example.com"));
        Assert.Empty(factory.Mailbox.To("already@example.com"));
        var link = new Uri(factory.Mailbox.LinkIn("pending@example.com", "Confirm your email")).PathAndQuery;
        // This browser did not register the account, so its owner now chooses the password (see the registration tests).
        var confirmed = await client.GetAsync(link);
        Assert.StartsWith(AccountRoutes.ResetPassword, confirmed.LocalRedirect());
        Assert.Contains("Choose your password", await (await client.GetAsync(confirmed.LocalRedirect())).TextAsync());
        Assert.Contains("Already confirmed", await (await client.GetAsync(link)).TextAsync());
    }

    [Fact]
    public async Task EmailChangeHappensOnlyWhenTheNewAddressOpensTheLinkOnce()
    {
        var user = await factory.CreateUserAsync("old-address@example.com");
        var self = factory.Services.GetRequiredService<SelfService>();

        var errors = await self.RequestEmailChangeAsync(user.Id, "new-address@example.com", "http://localhost/");
        Assert.Empty(errors);
        Assert.Equal("old-address@example.com", await factory.WithDbAsync(db => db.Users.Where(u => u.Id == user.Id).Select(u => u.Email).SingleAsync()));

        var link = new Uri(factory.Mailbox.LinkIn("new-address@example.com", "Confirm your email")).PathAndQuery;
        var client = factory.CreatePortalClient();
        Assert.Contains("Email address changed", await (await client.GetAsync(link)).TextAsync());
        Assert.Contains("This link does not work", await (await client.GetAsync(link)).TextAsync());

        var stored = await factory.WithDbAsync(db => db.Users.Where(u => u.Id == user.Id).Select(u => new { u.Email, u.UserName }).SingleAsync());
        Assert.Equal("new-address@example.com", stored.Email);
        Assert.Equal("new-address@example.com", stored.UserName);
        Assert.Equal(HttpStatusCode.Redirect, (await client.SignInAsync("new-address@example.com")).StatusCode);
    }

    [Fact]
    public async Task EmailChangeToATakenAddressChangesNothingAndWarnsItsOwner()
    {
        var user = await factory.CreateUserAsync("mover@example.com");
        await factory.CreateUserAsync("occupied@example.com");

        var errors = await factory.Services.GetRequiredService<SelfService>().RequestEmailChangeAsync(user.Id, "occupied@example.com", "http://localhost/");

        Assert.Empty(errors);
        Assert.Contains(factory.Mailbox.To("occupied@example.com"), m => m.Subject == "Someone tried to use your email address");
        Assert.DoesNotContain(factory.Mailbox.To("occupied@example.com"), m => m.Subject == "Confirm your email address");
    }

    [Fact]
    public async Task PersonalDataDownloadHoldsTheAccountButNoSecrets()
    {
        await factory.CreateUserAsync("curious@example.com");
        var client = factory.CreatePortalClient();
        await client.SignInAsync("curious@example.com");

        var response = await client.GetAsync("/Account/PersonalData");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("authportal-personal-data.json", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName);
        var json = await response.Content.ReadAsStringAsync();
        Assert.Contains("curious@example.com", json);
        Assert.Contains("signin.succeeded", json);
        Assert.DoesNotContain("PasswordHash", json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("AQAAAA", json); // Identity password hashes start like this.
        Assert.Equal(HttpStatusCode.Redirect, (await factory.CreatePortalClient().GetAsync("/Account/PersonalData")).StatusCode);
    }

    [Fact]
    public async Task DeletingAnAccountNeedsThePasswordAndTheTypedWord()
    {
        var user = await factory.CreateUserAsync("leaving-for-good@example.com");
        var client = factory.CreatePortalClient();
        await client.SignInAsync("leaving-for-good@example.com");

        var wrongWord = await client.SubmitAsync("/Account/DeleteAccount", "delete-account", new Dictionary<string, string> { ["Input.Password"] = Accounts.Password, ["Input.Confirmation"] = "delete" });
        var wrongPassword = await client.SubmitAsync("/Account/DeleteAccount", "delete-account", new Dictionary<string, string> { ["Input.Password"] = "nope nope nope", ["Input.Confirmation"] = "DELETE" });
        Assert.Contains("Type DELETE in capitals", await wrongWord.TextAsync());
        Assert.Contains("That password is not right.", await wrongPassword.TextAsync());
        Assert.True(await factory.WithDbAsync(db => db.Users.AnyAsync(u => u.Id == user.Id)));

        var deleted = await client.SubmitAsync("/Account/DeleteAccount", "delete-account", new Dictionary<string, string> { ["Input.Password"] = Accounts.Password, ["Input.Confirmation"] = "DELETE" });

        Assert.Equal(HttpStatusCode.Redirect, deleted.StatusCode);
        Assert.False(await factory.WithDbAsync(db => db.Users.AnyAsync(u => u.Id == user.Id)));
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/")).StatusCode);
        Assert.True(await factory.WithDbAsync(db => db.AuditEvents.AnyAsync(e => e.Action == AuditActions.AccountDeleted && e.TargetId == user.Id)));
    }

    [Fact]
    public async Task TheLastAdministratorCannotDeleteThemselves()
    {
        var client = factory.CreatePortalClient();
        await client.SignInAsync(DefaultPortal.AdminEmail);

        var response = await client.SubmitAsync("/Account/DeleteAccount", "delete-account", new Dictionary<string, string> { ["Input.Password"] = Accounts.Password, ["Input.Confirmation"] = "DELETE" });

        Assert.Contains("You are the last administrator", await response.TextAsync());
        Assert.True(await factory.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == DefaultPortal.AdminEmail)));
    }

    [Fact]
    public async Task PasskeyOptionsNeedTheAntiforgeryToken()
    {
        await factory.CreateUserAsync("passkey-options@example.com");
        var client = factory.CreatePortalClient();
        await client.SignInAsync("passkey-options@example.com");

        var response = await client.PostAsync("/Account/PasskeyCreationOptions", null);
        var request = await client.PostAsync("/Account/PasskeyRequestOptions", null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, request.StatusCode);
    }

    private Task<string> AdminIdAsync() => factory.WithDbAsync(db => db.Users.Where(u => u.Email == DefaultPortal.AdminEmail).Select(u => u.Id).SingleAsync());

    [Fact]
    public async Task AForgotPasswordLinkDoesNotLiftAnAdministratorsLock()
    {
        var user = await factory.CreateUserAsync("admin-locked@example.com");
        var client = factory.CreatePortalClient();
        // A reset link asked for before the lock...
        await client.SubmitAsync("/Account/ForgotPassword", "forgot-password", new Dictionary<string, string> { ["Input.Email"] = "admin-locked@example.com" });
        var link = new Uri(factory.Mailbox.LinkIn("admin-locked@example.com", "Reset your password")).PathAndQuery;
        Assert.Null(await factory.Services.GetRequiredService<UserAdministration>().LockAsync(user.Id, await AdminIdAsync()));

        // ...still resets the password, but the lock stays; and a locked account gets no new link.
        await client.SubmitAsync(link, "reset-password", new Dictionary<string, string> { ["Input.Password"] = "violet harbor quartz lantern", ["Input.ConfirmPassword"] = "violet harbor quartz lantern" });
        var before = factory.Mailbox.To("admin-locked@example.com").Count;
        await client.SubmitAsync("/Account/ForgotPassword", "forgot-password", new Dictionary<string, string> { ["Input.Email"] = "admin-locked@example.com" });

        Assert.Equal(before, factory.Mailbox.To("admin-locked@example.com").Count);
        Assert.Equal(HttpStatusCode.OK, (await client.SignInAsync("admin-locked@example.com", "violet harbor quartz lantern")).StatusCode); // generic error page, not a redirect
        Assert.True(await factory.WithDbAsync(db => db.Users.Where(u => u.Id == user.Id).Select(u => u.LockoutEnd).SingleAsync()) > DateTimeOffset.UtcNow.AddYears(1));
    }
}
