namespace AuthPortal.Tests.Features.Sessions;

public sealed class SessionTests : IClassFixture<SessionTests.Fixture>
{
    /// <summary>Short timeouts (60 min idle, 3 h absolute) on a clock the tests move.</summary>
    public sealed class Fixture : PortalFactory
    {
        public Fixture() : base(null, PortalSettings.WithAdministrator(DefaultPortal.AdminEmail, ("Sessions:IdleTimeoutMinutes", "60"), ("Sessions:AbsoluteTimeoutHours", "3")))
        {
            Clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        }
    }

    private readonly Fixture _factory;

    public SessionTests(Fixture factory) => _factory = factory;

    private SessionStore Sessions => _factory.Services.GetRequiredService<SessionStore>();

    private async Task<(AppUser User, HttpClient Client)> SignedInAsync(string email, string userAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36")
    {
        var user = await _factory.CreateUserAsync(email);
        var client = _factory.CreatePortalClient();
        client.DefaultRequestHeaders.UserAgent.ParseAdd(userAgent);
        Assert.Equal(HttpStatusCode.Redirect, (await client.SignInAsync(email)).StatusCode);
        return (user, client);
    }

    private static async Task<bool> IsSignedInAsync(HttpClient client) => (await client.GetAsync("/")).StatusCode == HttpStatusCode.OK;

    private Task<List<UserSession>> SessionsOfAsync(string userId) =>
        _factory.WithDbAsync(db => db.UserSessions.Where(s => s.UserId == userId).OrderBy(s => s.CreatedAt).ToListAsync());

    // A session ended by a timeout: the request or the hourly sweep (woken by the same clock move) ends it, and either
    // commits the end with its event a moment after the request has been refused.
    private Task<UserSession> EndedSessionOfAsync(string userId) =>
        Eventually.ReadAsync(async () => (await SessionsOfAsync(userId)).Single(), s => s.RevokedReason is not null);

    [Fact]
    public async Task EverySignInIsANewSessionListedWithItsDevice()
    {
        var (user, first) = await SignedInAsync("two-browsers@example.com");
        var second = _factory.CreatePortalClient();
        second.DefaultRequestHeaders.UserAgent.ParseAdd("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1");
        await second.SignInAsync("two-browsers@example.com");

        var rows = await SessionsOfAsync(user.Id);
        Assert.Equal(2, rows.Count);
        Assert.NotEqual(rows[0].Id, rows[1].Id);
        var listed = (await Sessions.ListAsync(user.Id, currentSessionId: rows[0].Id))!;
        Assert.Contains(listed, s => s.Device == "Chrome on Linux" && s.Current);
        Assert.Contains(listed, s => s.Device == "Safari on iPhone" && !s.Current);
        Assert.True(await IsSignedInAsync(first));
        Assert.True(await _factory.WithDbAsync(db => db.AuditEvents.AnyAsync(e => e.Action == AuditActions.SessionCreated && e.TargetId == rows[1].Id)));
    }

    [Fact]
    public async Task ARevokedCookieIsRejectedOnItsNextRequest()
    {
        var (user, client) = await SignedInAsync("revoked-cookie@example.com");
        Assert.True(await IsSignedInAsync(client));
        var session = (await SessionsOfAsync(user.Id)).Single();

        Assert.True(await Sessions.RevokeAsync(user.Id, session.Id, new Revocation("test", DefaultPortal.AdminEmail)));

        var next = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, next.StatusCode);
        Assert.StartsWith("/Account/Login", next.LocalRedirect());
        var audit = await _factory.WithDbAsync(db => db.AuditEvents.SingleAsync(e => e.Action == AuditActions.SessionRevoked && e.TargetId == session.Id));
        Assert.Contains("\"reason\":\"test\"", audit.Details);
    }

    [Fact]
    public async Task AnIdleSessionEndsAfterTheIdleTimeout()
    {
        var (user, client) = await SignedInAsync("idle@example.com");

        _factory.Clock!.Advance(TimeSpan.FromMinutes(59));
        Assert.True(await IsSignedInAsync(client)); // activity resets the idle clock
        _factory.Clock.Advance(TimeSpan.FromMinutes(61));

        Assert.False(await IsSignedInAsync(client));
        var session = await EndedSessionOfAsync(user.Id);
        Assert.Equal("idle_timeout", session.RevokedReason);
        Assert.True(await _factory.WithDbAsync(db => db.AuditEvents.AnyAsync(e => e.Action == AuditActions.SessionExpired && e.TargetId == session.Id)));
    }

    [Fact]
    public async Task AnActiveSessionStillEndsAtTheAbsoluteTimeout()
    {
        var (user, client) = await SignedInAsync("absolute@example.com");
        for (var i = 0; i < 4; i++)
        {
            _factory.Clock!.Advance(TimeSpan.FromMinutes(44));
            Assert.True(await IsSignedInAsync(client));
        }

        _factory.Clock!.Advance(TimeSpan.FromMinutes(5)); // 3 h 1 min after sign-in

        Assert.False(await IsSignedInAsync(client));
        Assert.Equal("absolute_timeout", (await EndedSessionOfAsync(user.Id)).RevokedReason);
    }

    [Fact]
    public async Task RevokingTheOthersKeepsTheCurrentSession()
    {
        var (user, current) = await SignedInAsync("keep-me@example.com");
        var other = _factory.CreatePortalClient();
        await other.SignInAsync("keep-me@example.com");
        var currentId = (await SessionsOfAsync(user.Id))[0].Id;

        var count = await Sessions.RevokeAllAsync(user.Id, new Revocation("revoked_others_by_user", user.Id), keepSessionId: currentId);

        Assert.Equal(1, count);
        Assert.True(await IsSignedInAsync(current));
        Assert.False(await IsSignedInAsync(other));
    }

    [Fact]
    public async Task AChangedPasswordSignsOutEveryOtherSession()
    {
        var (user, current) = await SignedInAsync("password-changer@example.com");
        var other = _factory.CreatePortalClient();
        await other.SignInAsync("password-changer@example.com");
        var currentId = (await SessionsOfAsync(user.Id))[0].Id;

        var errors = await _factory.Services.GetRequiredService<SelfService>()
            .ChangePasswordAsync(user.Id, currentId, Accounts.Password, "violet harbor quartz lantern");

        Assert.Empty(errors);
        Assert.False(await IsSignedInAsync(other));
        var sessions = await SessionsOfAsync(user.Id);
        Assert.Null(sessions.Single(s => s.Id == currentId).RevokedAt);
        Assert.Equal("password_changed", sessions.Single(s => s.Id != currentId).RevokedReason);
    }

    [Fact]
    public async Task AnotherUsersSessionCannotBeRevoked()
    {
        var (victim, victimClient) = await SignedInAsync("victim@example.com");
        var (attacker, _) = await SignedInAsync("attacker@example.com");
        var victimSession = (await SessionsOfAsync(victim.Id)).Single();

        Assert.False(await Sessions.RevokeAsync(attacker.Id, victimSession.Id, new Revocation("attack", attacker.Id)));
        Assert.True(await IsSignedInAsync(victimClient));
    }

    [Fact]
    public async Task DisablingOrLockingAUserEndsAllTheirSessions()
    {
        var (disabled, disabledClient) = await SignedInAsync("to-disable@example.com");
        var (locked, lockedClient) = await SignedInAsync("to-lock@example.com");
        var admin = await _factory.WithDbAsync(db => db.Users.SingleAsync(u => u.Email == DefaultPortal.AdminEmail));
        var administration = _factory.Services.GetRequiredService<UserAdministration>();

        Assert.Null(await administration.DisableAsync(disabled.Id, admin.Id));
        Assert.Null(await administration.LockAsync(locked.Id, admin.Id));

        Assert.False(await IsSignedInAsync(disabledClient));
        Assert.False(await IsSignedInAsync(lockedClient));
        Assert.Equal("disabled_by_admin", (await SessionsOfAsync(disabled.Id)).Single().RevokedReason);
        Assert.Equal("locked_by_admin", (await SessionsOfAsync(locked.Id)).Single().RevokedReason);
        Assert.Equal("You cannot disable or lock your own account.", await administration.DisableAsync(admin.Id, admin.Id));
    }

    [Fact]
    public async Task SignOutRevokesTheSession()
    {
        var (user, client) = await SignedInAsync("sign-out-session@example.com");
        var home = await (await client.GetAsync("/")).Content.ReadAsStringAsync();
        var token = HtmlForms.HiddenFieldsOf(home, "sign-out-form")["__RequestVerificationToken"];

        await client.PostAsync("/Account/Logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));

        Assert.Equal("signed_out", (await SessionsOfAsync(user.Id)).Single().RevokedReason);
    }

    [Fact]
    public async Task SessionsThatEndedMoreThanThirtyDaysAgoAreDeleted()
    {
        var (user, _) = await SignedInAsync("old-sessions@example.com");
        await Sessions.RevokeAllAsync(user.Id, new Revocation("test", user.Id));

        _factory.Clock!.Advance(TimeSpan.FromDays(29));
        await Sessions.DeleteEndedAsync(SessionCleanup.KeepEndedFor);
        Assert.Single(await SessionsOfAsync(user.Id));

        _factory.Clock.Advance(TimeSpan.FromDays(2));
        await Sessions.DeleteEndedAsync(SessionCleanup.KeepEndedFor);
        Assert.Empty(await SessionsOfAsync(user.Id));
    }

    [Fact]
    public async Task SessionsNobodyPresentsAgainAreEndedAndAuditedAsExpiredByTheCleanup()
    {
        var (idle, _) = await SignedInAsync("abandoned-browser@example.com");
        await _factory.CreatePortalClient().GetTokensAsync("abandoned-browser@example.com");
        var (old, oldClient) = await SignedInAsync("past-absolute@example.com");
        var pastAbsolute = (await SessionsOfAsync(old.Id)).Single().Id;

        // One session past its absolute end while still in use (written before the clock moves); the first user's two past the idle timeout.
        var start = _factory.Clock!.GetUtcNow();
        await _factory.WithDbAsync(db => db.UserSessions.Where(s => s.Id == pastAbsolute)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.LastSeenAt, start.AddMinutes(60)).SetProperty(x => x.ExpiresAt, start.AddMinutes(30))));
        _factory.Clock.Advance(TimeSpan.FromMinutes(61));
        Assert.Empty((await Sessions.SearchLiveAsync("abandoned-browser@example.com", 1, 50)).Items);

        // The hourly cleanup may get there first on this move of the clock; either way each ends once, as expired.
        await Sessions.ExpireDueAsync();

        var ended = await SessionsOfAsync(idle.Id);
        Assert.Equal(2, ended.Count);
        Assert.All(ended, s => Assert.Equal(RevocationReasons.IdleTimeout, s.RevokedReason));
        Assert.Equal(RevocationReasons.AbsoluteTimeout, (await SessionsOfAsync(old.Id)).Single().RevokedReason);
        foreach (var session in ended.Select(s => s.Id).Append(pastAbsolute))
        {
            var events = await _factory.WithDbAsync(db => db.AuditEvents.Where(e => e.TargetId == session).Select(e => e.Action).ToListAsync());
            Assert.Equal(1, events.Count(a => a == AuditActions.SessionExpired));
            Assert.DoesNotContain(AuditActions.SessionRevoked, events);
        }
        Assert.Equal(0, await Sessions.ExpireDueAsync());
        Assert.Equal(0, await Sessions.RevokeAllAsync(old.Id, new Revocation(RevocationReasons.RevokedByAdmin, null)));
        Assert.Equal(HttpStatusCode.Redirect, (await oldClient.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task TheAdministratorsListShowsLiveSessionsOfEveryoneAndSearchesByEmailOrAddress()
    {
        var (user, _) = await SignedInAsync("Listed.Person@example.com");
        var api = _factory.CreatePortalClient();
        api.DefaultRequestHeaders.Add("X-Test-Client-Ip", "203.0.113.77");
        await api.GetTokensAsync("listed.person@example.com");

        var byEmail = await Sessions.SearchLiveAsync("LISTED.person", 1, 50);
        Assert.Equal(2, byEmail.Total);
        Assert.All(byEmail.Items, r => Assert.Equal(user.Id, r.UserId));
        Assert.Contains(byEmail.Items, r => r.Kind == SessionKind.Api && r.IpAddress == "203.0.113.77");
        var byAddress = await Sessions.SearchLiveAsync("203.0.113.", 1, 50);
        Assert.Single(byAddress.Items, r => r.UserId == user.Id);
        Assert.Empty((await Sessions.SearchLiveAsync("nobody-has-this@example.com", 1, 50)).Items);

        var revoked = byEmail.Items.First(r => r.Kind == SessionKind.Api);
        Assert.True(await Sessions.RevokeAsync(user.Id, revoked.Id, new Revocation(RevocationReasons.RevokedByAdmin, null)));
        Assert.Single((await Sessions.SearchLiveAsync("listed.person@", 1, 50)).Items);
    }

}

public sealed class MultiInstanceSessionTests
{
    [Fact]
    public async Task ARevocationOnOneInstanceReachesAnotherWithinTheRevalidationWindow()
    {
        // Two app instances on one database (Data Protection keys are shared there too, so the cookie works on both).
        var directory = TestPaths.NewTempDirectory("two-instances");
        var settings = PortalSettings.WithAdministrator(DefaultPortal.AdminEmail, ("Sessions:RevalidationSeconds", "1"));
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var first = new PortalFactory(directory, settings) { Clock = clock };
        var user = await first.CreateUserAsync("roaming@example.com");
        var signIn = await first.CreatePortalClient().SignInAsync("roaming@example.com");
        var cookie = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("AuthPortal=", StringComparison.Ordinal)).Split(';')[0];
        using var second = new PortalFactory(directory, settings) { Clock = clock };
        var onSecond = second.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        onSecond.DefaultRequestHeaders.Add("Cookie", cookie);
        Assert.Equal(HttpStatusCode.OK, (await onSecond.GetAsync("/")).StatusCode); // now cached as valid on the second instance

        await first.Services.GetRequiredService<SessionStore>().RevokeAllAsync(user.Id, new Revocation("test", user.Id));
        // Inside the window the second instance may still trust its cache; once it has passed, it may not.
        clock.Advance(TimeSpan.FromSeconds(1.5));

        Assert.Equal(HttpStatusCode.Redirect, (await onSecond.GetAsync("/")).StatusCode);
    }

}
