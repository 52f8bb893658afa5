using AuthPortal.Components.Account.Pages;
namespace AuthPortal.Tests.Features.SignIn;

public sealed class SignInTests : IClassFixture<SignInTests.Fixture>
{
    public sealed class Fixture() : PortalFactory(null, settings: new Dictionary<string, string?> { ["Lockout:MaxFailedAttempts"] = "3" });

    private readonly Fixture _factory;

    public SignInTests(Fixture factory) => _factory = factory;

    [Fact]
    public async Task SignInWithEmailRedirectsToReturnUrlAndSetsHttpOnlyLaxCookie()
    {
        await _factory.CreateUserAsync("ada@example.com");
        var client = _factory.CreatePortalClient();

        var response = await client.SignInAsync("ada@example.com", returnUrl: "/admin/users");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/admin/users", response.LocalRedirect());
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("AuthPortal=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);

        var home = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Contains("Welcome, ada", await home.TextAsync());
    }

    [Fact]
    public async Task SignInWithUserNameWorks()
    {
        var user = await _factory.CreateUserAsync("grace@example.com");
        await _factory.WithDbAsync(async db =>
        {
            var stored = await db.Users.SingleAsync(u => u.Id == user.Id);
            stored.UserName = "grace";
            stored.NormalizedUserName = "GRACE";
            return await db.SaveChangesAsync();
        });
        var client = _factory.CreatePortalClient();

        var response = await client.SignInAsync("grace");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.LocalRedirect());
    }

    [Theory]
    [InlineData("//evil.example/steal")]
    [InlineData("https://evil.example/steal")]
    [InlineData("/\\evil.example")]
    [InlineData("javascript:alert(1)")]
    public async Task OffSiteReturnUrlIsRefused(string returnUrl)
    {
        var email = $"redirect-{Guid.NewGuid():N}@example.com";
        await _factory.CreateUserAsync(email);
        var client = _factory.CreatePortalClient();

        var response = await client.SignInAsync(email, returnUrl: returnUrl);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.LocalRedirect());
    }

    [Fact]
    public async Task UnknownUserWrongPasswordAndLockedAccountGetTheSameGenericError()
    {
        var user = await _factory.CreateUserAsync("locked@example.com");
        var client = _factory.CreatePortalClient();

        var unknown = await client.SignInAsync("nobody@example.com");
        var wrong = await client.SignInAsync("locked@example.com", "wrong password 1");
        await client.SignInAsync("locked@example.com", "wrong password 2");
        await client.SignInAsync("locked@example.com", "wrong password 3"); // third failure locks (MaxFailedAttempts = 3)
        var lockedWithRightPassword = await client.SignInAsync("locked@example.com");

        Assert.Contains(Login.GenericFailure, await unknown.TextAsync());
        Assert.Equal(HttpStatusCode.OK, lockedWithRightPassword.StatusCode);
        // The whole page is the same, whichever of the three it was (only the typed login is echoed back).
        await SameAnswer.AssertAsync(unknown, wrong, "nobody@example.com", "locked@example.com");
        await SameAnswer.AssertAsync(wrong, lockedWithRightPassword);

        var events = await _factory.WithDbAsync(db => db.AuditEvents.Where(e => e.TargetId == user.Id).OrderBy(e => e.Id).Select(e => e.Action).ToListAsync());
        Assert.Equal(
            [AuditActions.SignInFailed, AuditActions.SignInFailed, AuditActions.SignInFailed, AuditActions.LockedOut, AuditActions.SignInFailed],
            events);
        var lockoutEnd = await _factory.WithDbAsync(db => db.Users.Where(u => u.Id == user.Id).Select(u => u.LockoutEnd).SingleAsync());
        Assert.True(lockoutEnd > DateTimeOffset.UtcNow.AddMinutes(14), "locked for the configured 15 minutes");
    }

    [Fact]
    public async Task SuccessfulSignInResetsTheFailureCount()
    {
        await _factory.CreateUserAsync("reset@example.com");
        var client = _factory.CreatePortalClient();
        await client.SignInAsync("reset@example.com", "wrong password");
        await client.SignInAsync("reset@example.com", "wrong password");

        var ok = await client.SignInAsync("reset@example.com");

        Assert.Equal(HttpStatusCode.Redirect, ok.StatusCode);
        Assert.Equal(0, await _factory.WithDbAsync(db => db.Users.Where(u => u.Email == "reset@example.com").Select(u => u.AccessFailedCount).SingleAsync()));
    }

    [Fact]
    public async Task DisabledUserCannotSignInAndSeesTheGenericError()
    {
        var user = await _factory.CreateUserAsync("disabled@example.com");
        await _factory.WithDbAsync(async db =>
        {
            (await db.Users.SingleAsync(u => u.Id == user.Id)).DisabledAt = DateTimeOffset.UtcNow;
            return await db.SaveChangesAsync();
        });

        var response = await _factory.CreatePortalClient().SignInAsync("disabled@example.com");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(Login.GenericFailure, await response.TextAsync());
    }

    [Fact]
    public async Task SignInWithoutAntiforgeryTokenIsRejected()
    {
        await _factory.CreateUserAsync("csrf@example.com");
        var client = _factory.CreatePortalClient();

        var response = await client.PostAsync("/Account/Login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login", ["Input.Login"] = "csrf@example.com", ["Input.Password"] = Accounts.Password,
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain(response.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [], c => c.StartsWith("AuthPortal=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EmptyFormShowsFieldErrorsAndSignsNobodyIn()
    {
        var response = await _factory.CreatePortalClient().SubmitAsync("/Account/Login", "login",
            new Dictionary<string, string> { ["Input.Login"] = "", ["Input.Password"] = "" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.TextAsync();
        Assert.Contains("Enter your email address or user name.", text);
        Assert.Contains("Enter your password.", text);
    }

    [Fact]
    public async Task SignOutNeedsAPostWithAntiforgeryAndIsAudited()
    {
        var user = await _factory.CreateUserAsync("leaving@example.com");
        var client = _factory.CreatePortalClient();
        await client.SignInAsync("leaving@example.com");

        var forged = await client.PostAsync("/Account/Logout", new FormUrlEncodedContent(new Dictionary<string, string>()));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        var noBody = await client.PostAsync("/Account/Logout", null);
        Assert.Equal(HttpStatusCode.BadRequest, noBody.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);

        var home = await (await client.GetAsync("/")).Content.ReadAsStringAsync();
        var token = HtmlForms.HiddenFieldsOf(home, "sign-out-form")["__RequestVerificationToken"];
        var signOut = await client.PostAsync("/Account/Logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));

        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        var after = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.StartsWith("/Account/Login", after.LocalRedirect());
        Assert.True(await _factory.WithDbAsync(db => db.AuditEvents.AnyAsync(e => e.Action == AuditActions.SignedOut && e.ActorUserId == user.Id)));
    }
}
