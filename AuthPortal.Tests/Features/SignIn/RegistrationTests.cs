namespace AuthPortal.Tests.Features.SignIn;

public sealed class RegistrationTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    [Fact]
    public async Task CommonPasswordsAndPasswordsBuiltFromTheEmailAreRefused()
    {
        var client = factory.CreatePortalClient();

        var common = await client.SubmitAsync("/Account/Register", "register", Form("common@example.com", "password1234"));
        var personal = await client.SubmitAsync("/Account/Register", "register", Form("margaret.hamilton@example.com", "hamilton2024!"));

        Assert.Contains("commonly used password", await common.TextAsync());
        Assert.Contains("Do not use your email address or name", await personal.TextAsync());
        Assert.False(await factory.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == "common@example.com" || u.Email == "margaret.hamilton@example.com")));
    }

    [Fact]
    public async Task UnconfirmedAccountStillLocksAfterRepeatedFailures()
    {
        var user = await factory.CreateUserAsync("unconfirmed-lock@example.com", confirmed: false);
        var client = factory.CreatePortalClient();
        for (var i = 0; i < 5; i++)
        {
            await client.SignInAsync("unconfirmed-lock@example.com", $"wrong guess {i}");
        }

        // Locked: even the right password gets the generic error, not "confirm your email".
        var right = await (await client.SignInAsync("unconfirmed-lock@example.com")).TextAsync();

        Assert.Contains(AuthPortal.Components.Account.Pages.Login.GenericFailure, right);
        Assert.DoesNotContain("Confirm your email", right);
        Assert.True(await factory.WithDbAsync(db => db.AuditEvents.AnyAsync(e => e.Action == AuditActions.LockedOut && e.TargetId == user.Id)));
    }

    [Fact]
    public async Task RegistrationsRacingForOneAddressAllGetTheSameAnswerAndMakeOneAccount()
    {
        var client = factory.CreatePortalClient();
        var body = new { email = "racing-registrant@example.com", displayName = "Racer", password = Accounts.Password };

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => client.PostAsJsonAsync("/api/auth/register", body)));

        // Whether the address was free is never told: the winner and every loser get 202 (the losers' owner gets a notice).
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Accepted, a.StatusCode));
        Assert.Equal(1, await factory.WithDbAsync(db => db.Users.CountAsync(u => u.NormalizedEmail == "RACING-REGISTRANT@EXAMPLE.COM")));
    }

    private static Dictionary<string, string> Form(string email, string password = Accounts.Password, string? confirm = null, string name = "New Person") => new()
    {
        ["Input.Email"] = email,
        ["Input.DisplayName"] = name,
        ["Input.Password"] = password,
        ["Input.ConfirmPassword"] = confirm ?? password,
    };

    [Fact]
    public async Task RegisterConfirmByEmailLinkThenSignIn()
    {
        var client = factory.CreatePortalClient();

        var registered = await client.SubmitAsync("/Account/Register", "register", Form("newbie@example.com"));
        Assert.Equal(HttpStatusCode.Redirect, registered.StatusCode);
        Assert.StartsWith("/Account/RegisterConfirmation", registered.LocalRedirect());

        // Unconfirmed: the right password is told to confirm first, and is not signed in.
        var early = await client.SignInAsync("newbie@example.com");
        Assert.Equal(HttpStatusCode.OK, early.StatusCode);
        Assert.Contains("Confirm your email address first", await early.TextAsync());

        var link = factory.Mailbox.LinkIn("newbie@example.com", "Confirm your email");
        var mail = factory.Mailbox.To("newbie@example.com").Last();
        Assert.False(string.IsNullOrEmpty(mail.HtmlBody));
        Assert.Contains("Confirm email", mail.HtmlBody);

        var confirmed = await client.GetAsync(new Uri(link).PathAndQuery);
        Assert.Contains("Email confirmed", await confirmed.TextAsync());

        var signedIn = await client.SignInAsync("newbie@example.com");
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/", signedIn.LocalRedirect());

        var actions = await factory.WithDbAsync(db => db.AuditEvents.Where(e => e.TargetType == "user" && e.TargetId == db.Users.Single(u => u.Email == "newbie@example.com").Id)
            .OrderBy(e => e.Id).Select(e => e.Action).ToListAsync());
        Assert.Equal([AuditActions.Registered, AuditActions.SignInFailed, AuditActions.EmailConfirmed, AuditActions.SignInSucceeded], actions);
    }

    [Fact]
    public async Task TamperedConfirmationLinkDoesNotConfirm()
    {
        var client = factory.CreatePortalClient();
        await client.SubmitAsync("/Account/Register", "register", Form("tamper@example.com"));
        var link = factory.Mailbox.LinkIn("tamper@example.com", "Confirm your email");

        var response = await client.GetAsync(new Uri(link).PathAndQuery.Replace("code=", "code=AAAA", StringComparison.Ordinal));

        Assert.Contains("This link does not work", await response.TextAsync());
        Assert.False(await factory.WithDbAsync(db => db.Users.Where(u => u.Email == "tamper@example.com").Select(u => u.EmailConfirmed).SingleAsync()));
    }

    [Fact]
    public async Task ShortPasswordAndMismatchAreFieldErrorsAndCreateNothing()
    {
        var client = factory.CreatePortalClient();

        var shortPassword = await client.SubmitAsync("/Account/Register", "register", Form("short@example.com", "tiny"));
        var mismatch = await client.SubmitAsync("/Account/Register", "register", Form("mismatch@example.com", Accounts.Password, "something else entirely"));
        var badEmail = await client.SubmitAsync("/Account/Register", "register", Form("not-an-email"));

        Assert.Contains("Use at least 10 characters.", await shortPassword.TextAsync());
        Assert.Contains("The passwords do not match.", await mismatch.TextAsync());
        Assert.Contains("Enter a valid email address.", await badEmail.TextAsync());
        Assert.False(await factory.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == "short@example.com" || u.Email == "mismatch@example.com" || u.Email == "not-an-email")));
    }

    [Fact]
    public async Task RegisteringAnExistingEmailLooksTheSameAndWarnsTheOwner()
    {
        await factory.CreateUserAsync("taken@example.com");
        var client = factory.CreatePortalClient();

        var response = await client.SubmitAsync("/Account/Register", "register", Form("taken@example.com"));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/Account/RegisterConfirmation", response.LocalRedirect());
        Assert.Contains(factory.Mailbox.To("taken@example.com"), m => m.Subject == "Someone tried to register with your email");
        Assert.Equal(1, await factory.WithDbAsync(db => db.Users.CountAsync(u => u.Email == "taken@example.com")));
    }

    [Fact]
    public async Task RegisterAnswers202WhetherOrNotTheEmailIsTakenAndValidatesFields()
    {
        await factory.CreateUserAsync("api-taken@example.com");
        var client = factory.CreatePortalClient();

        var created = await client.PostAsJsonAsync("/api/auth/register", new { email = "api-new@example.com", password = Accounts.Password, displayName = "Api New" });
        var taken = await client.PostAsJsonAsync("/api/auth/register", new { email = "api-taken@example.com", password = Accounts.Password, displayName = "Api Taken" });
        var invalid = await client.PostAsJsonAsync("/api/auth/register", new { email = "nope", password = "short", displayName = "" });
        var extra = await client.PostAsJsonAsync("/api/auth/register", new { email = "api-extra@example.com", password = Accounts.Password, displayName = "X", emailConfirmed = true });

        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        await SameAnswer.AssertAsync(created, taken);
        Assert.Single(factory.Mailbox.To("api-new@example.com"));
        var errors = (await invalid.JsonAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("email", out _));
        Assert.True(errors.TryGetProperty("displayName", out _));
        Assert.Equal(HttpStatusCode.BadRequest, extra.StatusCode);
        Assert.False(await factory.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == "api-extra@example.com")));
    }

    [Fact]
    public async Task AWeakPasswordIsRefusedTheSameWayForTakenAndFreeAddresses()
    {
        await factory.CreateUserAsync("enumerate-me@example.com");
        var client = factory.CreatePortalClient();

        var taken = await client.PostAsync("/api/auth/register", System.Net.Http.Json.JsonContent.Create(new { email = "enumerate-me@example.com", password = "password1234", displayName = "X" }));
        var free = await client.PostAsync("/api/auth/register", System.Net.Http.Json.JsonContent.Create(new { email = "enumerate-free@example.com", password = "password1234", displayName = "X" }));

        Assert.Equal(HttpStatusCode.BadRequest, taken.StatusCode);
        await SameAnswer.AssertAsync(taken, free);
    }

    [Fact]
    public async Task TheConfirmationMailCarriesNoWordsTheRegistrantChose()
    {
        var client = factory.CreatePortalClient();

        var response = await client.PostAsJsonAsync("/api/auth/register", new { email = "spam-target@example.com", password = Accounts.Password, displayName = "Call 555 0100 at example.net" });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var mail = Assert.Single(factory.Mailbox.To("spam-target@example.com"));
        Assert.DoesNotContain("555 0100", mail.TextBody + mail.HtmlBody);
        Assert.DoesNotContain("example.net", mail.TextBody + mail.HtmlBody);
    }

    [Fact]
    public async Task ANameWithHiddenCharactersIsAFieldErrorAndCreatesNothing()
    {
        var response = await factory.CreatePortalClient().PostAsJsonAsync("/api/auth/register", new { email = "rlo@example.com", password = Accounts.Password, displayName = "Bob\u202E" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty("displayName", out _));
        Assert.False(await factory.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == "rlo@example.com")));
    }
}

public sealed class ClosedRegistrationTests
{
    public sealed class Fixture() : PortalFactory(null, settings: new Dictionary<string, string?> { ["Auth:AllowSelfRegistration"] = "false" });

    [Fact]
    public async Task RegistrationClosedCreatesNoAccount()
    {
        using var factory = new Fixture();
        var client = factory.CreatePortalClient();

        var page = await client.GetAsync("/Account/Register");
        Assert.Contains("Registration is closed", await page.TextAsync());
        var login = await (await client.GetAsync("/Account/Login")).TextAsync();
        Assert.DoesNotContain("Create an account", login);

        // A hand-made post (the form is not even rendered) creates nothing.
        var token = HtmlForms.HiddenFields(await (await client.GetAsync("/Account/Login")).Content.ReadAsStringAsync(), "login")["__RequestVerificationToken"];
        await client.PostAsync("/Account/Register", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token, ["_handler"] = "register", ["Input.Email"] = "sneaky@example.com",
            ["Input.DisplayName"] = "Sneaky", ["Input.Password"] = Accounts.Password, ["Input.ConfirmPassword"] = Accounts.Password,
        }));
        Assert.False(await factory.WithDbAsync(db => db.Users.AnyAsync()));
    }
}

/// <summary>Registration answers the same way, and costs the same, whether the address was free or taken, in every mode.</summary>
public sealed class RegistrationSameAnswerTests
{
    /// <summary>Counts password hashing around the real hasher.</summary>
    private sealed class CountingHasher(PasswordHasher<AppUser> inner) : IPasswordHasher<AppUser>
    {
        public int Hashed;

        public string HashPassword(AppUser user, string password)
        {
            Interlocked.Increment(ref Hashed);
            return inner.HashPassword(user, password);
        }

        public PasswordVerificationResult VerifyHashedPassword(AppUser user, string hashedPassword, string providedPassword) =>
            inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
    }

    private static (PortalFactory Portal, CountingHasher Hasher) Portal(bool requireConfirmedEmail)
    {
        var hasher = new CountingHasher(new PasswordHasher<AppUser>());
        var portal = new PortalFactory(null, PortalSettings.WithAdministrator(DefaultPortal.AdminEmail, ("Auth:RequireConfirmedEmail", requireConfirmedEmail.ToString())))
        {
            TestServices = services => services.AddSingleton<IPasswordHasher<AppUser>>(hasher),
        };
        return (portal, hasher);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TheApiAnswersAndHashesTheSameForAFreeAndATakenAddress(bool requireConfirmedEmail)
    {
        var (portal, hasher) = Portal(requireConfirmedEmail);
        using var _ = portal;
        await portal.CreateUserAsync("taken@example.com");
        var client = portal.CreatePortalClient();

        var before = hasher.Hashed;
        var free = await client.PostAsJsonAsync("/api/auth/register", new { email = "free@example.com", password = Accounts.Password, displayName = "Free" });
        var hashedForFree = hasher.Hashed - before;
        before = hasher.Hashed;
        var taken = await client.PostAsJsonAsync("/api/auth/register", new { email = "taken@example.com", password = Accounts.Password, displayName = "Taken" });
        var hashedForTaken = hasher.Hashed - before;

        Assert.Equal(HttpStatusCode.Accepted, free.StatusCode);
        await SameAnswer.AssertAsync(free, taken);
        Assert.Equal(1, hashedForFree);
        Assert.Equal(hashedForFree, hashedForTaken);
        Assert.Single(portal.Mailbox.To("taken@example.com"), m => m.Subject == "Someone tried to register with your email");
    }

    [Fact]
    public async Task WithoutConfirmationThePageNeitherSignsInNorSaysTheAddressIsTaken()
    {
        var (portal, _) = Portal(requireConfirmedEmail: false);
        using var __ = portal;
        await portal.CreateUserAsync("page-taken@example.com");

        var free = await portal.CreatePortalClient().SubmitAsync("/Account/Register", "register", RegistrationForm("page-free@example.com"));
        var taken = await portal.CreatePortalClient().SubmitAsync("/Account/Register", "register", RegistrationForm("page-taken@example.com"));

        Assert.Equal(HttpStatusCode.Redirect, free.StatusCode);
        Assert.Equal(free.LocalRedirect().Replace("page-free", "page-taken", StringComparison.Ordinal), taken.LocalRedirect());
        Assert.False(free.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("AuthPortal=", StringComparison.Ordinal)));
        // The new account can sign in straight away, as configured.
        Assert.Equal(HttpStatusCode.Redirect, (await portal.CreatePortalClient().SignInAsync("page-free@example.com")).StatusCode);
    }

    private static Dictionary<string, string> RegistrationForm(string email) => new()
    {
        ["Input.Email"] = email, ["Input.DisplayName"] = "Page Person", ["Input.Password"] = Accounts.Password, ["Input.ConfirmPassword"] = Accounts.Password,
    };
}

/// <summary>Security notices go to the account's own address when its password or address changes (ASVS V6).</summary>
public sealed class SecurityNoticeTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    [Fact]
    public async Task AChangedPasswordIsToldToTheAccountsAddress()
    {
        await factory.CreateUserAsync("noticed@example.com");
        var client = factory.CreatePortalClient();
        var token = (await client.GetTokensAsync("noticed@example.com")).AccessToken;

        var changed = await client.SendWithTokenAsync(HttpMethod.Post, "/api/me/password", token, new { currentPassword = Accounts.Password, newPassword = "violet harbor quartz lantern" });

        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
        Assert.Single(factory.Mailbox.To("noticed@example.com"), m => m.Subject == "Your password was changed");
    }

    [Fact]
    public async Task AResetPasswordIsTold()
    {
        await factory.CreateUserAsync("reset-noticed@example.com");
        var client = factory.CreatePortalClient();
        await client.SubmitAsync("/Account/ForgotPassword", "forgot-password", new Dictionary<string, string> { ["Input.Email"] = "reset-noticed@example.com" });
        var link = new Uri(factory.Mailbox.LinkIn("reset-noticed@example.com", "Reset your password")).PathAndQuery;

        await client.SubmitAsync(link, "reset-password", new Dictionary<string, string> { ["Input.Password"] = "violet harbor quartz lantern", ["Input.ConfirmPassword"] = "violet harbor quartz lantern" });

        Assert.Single(factory.Mailbox.To("reset-noticed@example.com"), m => m.Subject == "Your password was reset");
    }

    [Fact]
    public async Task ResendingAConfirmationSaysWhetherALinkWentOut()
    {
        await factory.CreateUserAsync("resend-unconfirmed@example.com", confirmed: false);
        await factory.CreateUserAsync("resend-confirmed@example.com");
        var limit = factory.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AuthPortal.Infrastructure.Options.RateLimitOptions>>().Value.MailsPerAddress;
        await using var scope = factory.Services.CreateAsyncScope();
        var links = scope.ServiceProvider.GetRequiredService<AccountLinks>();

        // The administrator's page shows this answer: a confirmed address gets nothing, and neither does one past its quota.
        Assert.False(await links.ResendConfirmationAsync("resend-confirmed@example.com", "http://localhost/"));
        Assert.False(await links.ResendConfirmationAsync("nobody-here@example.com", "http://localhost/"));
        for (var i = 0; i < limit; i++)
        {
            Assert.True(await links.ResendConfirmationAsync("resend-unconfirmed@example.com", "http://localhost/"), $"link {i + 1}");
        }
        Assert.False(await links.ResendConfirmationAsync("resend-unconfirmed@example.com", "http://localhost/"));
        await factory.DeliverQueuedMailAsync();
        Assert.Equal(limit, factory.Mailbox.To("resend-unconfirmed@example.com").Count);
        Assert.Empty(factory.Mailbox.To("resend-confirmed@example.com"));
    }

    [Fact]
    public async Task AChangedAddressIsToldToTheOldAddress()
    {
        var user = await factory.CreateUserAsync("old-address@example.com");
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var links = scope.ServiceProvider.GetRequiredService<AccountLinks>();
            await links.RequestEmailChangeAsync((await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByIdAsync(user.Id))!, "new-address@example.com", "http://localhost/");
        }
        var link = new Uri(factory.Mailbox.LinkIn("new-address@example.com", "Confirm")).PathAndQuery;

        await factory.CreatePortalClient().GetAsync(link);

        var notice = Assert.Single(factory.Mailbox.To("old-address@example.com"), m => m.Subject == "Your email address was changed");
        Assert.Contains("new-address@example.com", notice.TextBody);
    }
}

/// <summary>Nobody ends up owning an account whose password someone else chose for their address.</summary>
public sealed class RegistrationHijackTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    [Fact]
    public async Task AnAccountRegisteredForSomeoneElsesAddressGetsTheOwnersPasswordNotTheRegistrants()
    {
        const string victim = "victim-address@example.com", attackersPassword = "attacker chose this one", ownersPassword = "violet harbor quartz lantern";
        // The attacker registers the victim's address through the API, with a password of their own.
        var attacker = factory.CreatePortalClient();
        Assert.Equal(HttpStatusCode.Accepted, (await attacker.PostAsJsonAsync("/api/auth/register", new { email = victim, password = attackersPassword, displayName = "Victim" })).StatusCode);

        // Later the victim asks for a confirmation link and opens it.
        var owner = factory.CreatePortalClient();
        await owner.SubmitAsync("/Account/ResendEmailConfirmation", "resend-confirmation", new Dictionary<string, string> { ["Input.Email"] = victim });
        var confirm = await owner.GetAsync(new Uri(factory.Mailbox.LinkIn(victim, "Confirm your email")).PathAndQuery);

        // The address is confirmed, and the attacker's password is worth nothing: the owner chooses one.
        Assert.StartsWith(AccountRoutes.ResetPassword, confirm.LocalRedirect());
        Assert.Equal("invalid_grant", await (await attacker.PasswordGrantAsync(victim, attackersPassword)).ErrorCodeAsync());
        var chosen = await owner.SubmitAsync(confirm.LocalRedirect(), "reset-password", new Dictionary<string, string> { ["Input.Password"] = ownersPassword, ["Input.ConfirmPassword"] = ownersPassword });
        Assert.Equal(HttpStatusCode.Redirect, chosen.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await owner.PasswordGrantAsync(victim, ownersPassword)).StatusCode);
        Assert.Equal("invalid_grant", await (await attacker.PasswordGrantAsync(victim, attackersPassword)).ErrorCodeAsync());
    }

    [Fact]
    public async Task WhoRegisteredInThisBrowserKeepsTheirPassword()
    {
        var client = factory.CreatePortalClient();
        await client.SubmitAsync("/Account/Register", "register", new Dictionary<string, string>
        {
            ["Input.Email"] = "self-registered@example.com", ["Input.DisplayName"] = "Self", ["Input.Password"] = Accounts.Password, ["Input.ConfirmPassword"] = Accounts.Password,
        });

        var confirm = await client.GetAsync(new Uri(factory.Mailbox.LinkIn("self-registered@example.com", "Confirm your email")).PathAndQuery);

        Assert.Contains("Email confirmed", await confirm.TextAsync());
        Assert.Equal(HttpStatusCode.OK, (await client.PasswordGrantAsync("self-registered@example.com")).StatusCode);
    }
}
