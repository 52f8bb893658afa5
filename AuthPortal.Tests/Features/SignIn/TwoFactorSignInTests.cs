namespace AuthPortal.Tests.Features.SignIn;

/// <summary>The second step of a sign-in, on a clock the test moves (codes change every 30 seconds).</summary>
public sealed class TwoFactorSignInTests(ClockPortal factory) : IClassFixture<ClockPortal>
{
    [Fact]
    public async Task TwoFactorEnrolmentThenSignInWithATotpCode()
    {
        var user = await factory.CreateUserAsync("two-factor@example.com");
        var self = factory.Services.GetRequiredService<SelfService>();
        var setup = await self.BeginAuthenticatorSetupAsync(user.Id);
        Assert.StartsWith("data:image/png;base64,", setup.QrCodeDataUri);
        Assert.Contains("otpauth://totp/AuthPortal%3Atwo-factor%40example.com?secret=", setup.Uri);

        var (refused, error) = await self.EnableAuthenticatorAsync(user.Id, "000000");
        Assert.Null(refused);
        Assert.NotNull(error);
        // Codes are checked against the app's clock, so the codes here come from it too.
        var (codes, _) = await self.EnableAuthenticatorAsync(user.Id, Totp.Code(setup.SharedKey, factory.Clock!.GetUtcNow()));
        Assert.Equal(10, codes!.Count);

        var client = factory.CreatePortalClient();
        var password = await client.SignInAsync("two-factor@example.com");
        Assert.Equal(HttpStatusCode.Redirect, password.StatusCode);
        Assert.StartsWith("/Account/LoginWith2fa", password.LocalRedirect());
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/")).StatusCode); // not signed in yet

        var wrong = await client.SubmitAsync(password.LocalRedirect(), "login-2fa", new Dictionary<string, string> { ["Input.Code"] = "123456" });
        Assert.Contains("That code is not right", await wrong.TextAsync());

        var code = Totp.NextCode(setup.SharedKey, factory.Clock.GetUtcNow());
        var right = await client.SubmitAsync(password.LocalRedirect(), "login-2fa", new Dictionary<string, string> { ["Input.Code"] = code });
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);

        // Someone who saw that code cannot reuse it, even within its 30-second window.
        var thief = factory.CreatePortalClient();
        var thiefPassword = await thief.SignInAsync("two-factor@example.com");
        var replay = await thief.SubmitAsync(thiefPassword.LocalRedirect(), "login-2fa", new Dictionary<string, string> { ["Input.Code"] = code });
        Assert.Contains("That code is not right", await replay.TextAsync());
        Assert.True(await factory.WithDbAsync(db => db.AuditEvents.AnyAsync(e => e.Action == AuditActions.TwoFactorEnabled && e.TargetId == user.Id)));
    }

    [Fact]
    public async Task ARecoveryCodeSignsInOnce()
    {
        var user = await factory.CreateUserAsync("recovery@example.com");
        var self = factory.Services.GetRequiredService<SelfService>();
        var setup = await self.BeginAuthenticatorSetupAsync(user.Id);
        var (codes, _) = await self.EnableAuthenticatorAsync(user.Id, Totp.Code(setup.SharedKey, factory.Clock!.GetUtcNow()));
        var code = codes![0];

        var first = factory.CreatePortalClient();
        await first.SignInAsync("recovery@example.com");
        var used = await first.SubmitAsync("/Account/LoginWithRecoveryCode", "login-recovery", new Dictionary<string, string> { ["Input.RecoveryCode"] = code });
        Assert.Equal(HttpStatusCode.Redirect, used.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await first.GetAsync("/")).StatusCode);

        var second = factory.CreatePortalClient();
        await second.SignInAsync("recovery@example.com");
        var reused = await second.SubmitAsync("/Account/LoginWithRecoveryCode", "login-recovery", new Dictionary<string, string> { ["Input.RecoveryCode"] = code });
        Assert.Contains("not valid or was already used", await reused.TextAsync());
        Assert.Equal(9, (await self.GetTwoFactorStateAsync(user.Id)).RecoveryCodesLeft);
        // One event for the one redemption, saved with the spent code (the refused reuse records a failed sign-in, not a use).
        var uses = await factory.WithDbAsync(db => db.AuditEvents.Where(e => e.Action == AuditActions.RecoveryCodeUsed && e.TargetId == user.Id).Select(e => e.Details).ToListAsync());
        Assert.Equal("{\"remaining\":9}", Assert.Single(uses));
    }

    [Fact]
    public async Task EachSecondFactorChangeRecordsItsEventOnceAndTheChainHolds()
    {
        var user = await factory.CreateUserAsync("second-factor-events@example.com");
        var self = factory.Services.GetRequiredService<SelfService>();
        var setup = await self.BeginAuthenticatorSetupAsync(user.Id);
        await self.EnableAuthenticatorAsync(user.Id, Totp.Code(setup.SharedKey, factory.Clock!.GetUtcNow()));
        Assert.Equal(10, (await self.RegenerateRecoveryCodesAsync(user.Id)).Count);
        await self.DisableTwoFactorAsync(user.Id, currentSessionId: null);
        var setupAgain = await self.BeginAuthenticatorSetupAsync(user.Id);
        factory.Clock.Advance(TimeSpan.FromSeconds(31));
        await self.EnableAuthenticatorAsync(user.Id, Totp.Code(setupAgain.SharedKey, factory.Clock.GetUtcNow()));
        Assert.True(await factory.Services.GetRequiredService<UserAdministration>().ResetTwoFactorAsync(actorUserId: "an-administrator", user.Id));

        var actions = await factory.WithDbAsync(db => db.AuditEvents.Where(e => e.TargetId == user.Id).OrderBy(e => e.Id).Select(e => e.Action).ToListAsync());
        Assert.Equal([AuditActions.TwoFactorEnabled, AuditActions.RecoveryCodesGenerated, AuditActions.TwoFactorDisabled, AuditActions.TwoFactorEnabled, AuditActions.AuthenticatorReset],
            actions.Where(a => a.StartsWith("user.2fa_", StringComparison.Ordinal)).ToList());
        Assert.False((await self.GetTwoFactorStateAsync(user.Id)).Enabled);
        Assert.True((await factory.Services.GetRequiredService<AuditLog>().VerifyAsync()).Intact);
    }

    [Fact]
    public async Task MovingToANewDeviceKeepsTheOldKeyUntilACodeFromTheNewOneThenSignsOutTheOtherSessions()
    {
        var user = await factory.CreateUserAsync("moving-device@example.com");
        var self = factory.Services.GetRequiredService<SelfService>();
        var sessions = factory.Services.GetRequiredService<SessionStore>();
        var setup = await self.BeginAuthenticatorSetupAsync(user.Id);
        Assert.Null((await self.EnableAuthenticatorAsync(user.Id, Totp.Code(setup.SharedKey, factory.Clock!.GetUtcNow()))).Error);
        var oldKey = await KeyOfAsync(user.Id);
        var current = await sessions.StartAsync(user.Id, SessionKind.Browser, null, null);
        var other = await sessions.StartAsync(user.Id, SessionKind.Browser, null, null);
        factory.Clock.Advance(TimeSpan.FromSeconds(31));

        // Starting a move stores nothing: abandoning it leaves 2FA on with the old key.
        var move = await self.BeginAuthenticatorMoveAsync(user.Id);
        Assert.Equal(oldKey, await KeyOfAsync(user.Id));
        // Refused, and nothing changes: a wrong code, the old app's code, a key that is not one the portal makes.
        Assert.NotNull(await self.MoveAuthenticatorAsync(user.Id, current.Id, move.SharedKey, "000000"));
        Assert.NotNull(await self.MoveAuthenticatorAsync(user.Id, current.Id, move.SharedKey, Totp.Code(oldKey, factory.Clock.GetUtcNow())));
        Assert.NotNull(await self.MoveAuthenticatorAsync(user.Id, current.Id, "AAAA", Totp.Code("AAAA", factory.Clock.GetUtcNow())));
        Assert.Equal(oldKey, await KeyOfAsync(user.Id));
        Assert.Null(await factory.WithDbAsync(db => db.UserSessions.Where(s => s.Id == other.Id).Select(s => s.RevokedAt).SingleAsync()));

        Assert.Null(await self.MoveAuthenticatorAsync(user.Id, current.Id, move.SharedKey, Totp.Code(move.SharedKey, factory.Clock.GetUtcNow())));

        Assert.Equal(move.SharedKey.Replace(" ", "").ToUpperInvariant(), await KeyOfAsync(user.Id));
        var state = await self.GetTwoFactorStateAsync(user.Id);
        Assert.True(state.Enabled);
        Assert.Equal(SelfService.RecoveryCodeCount, state.RecoveryCodesLeft);
        var ended = await factory.WithDbAsync(db => db.UserSessions.Where(s => s.UserId == user.Id).ToDictionaryAsync(s => s.Id, s => s.RevokedReason));
        Assert.Null(ended[current.Id]);
        Assert.Equal(RevocationReasons.TwoFactorReset, ended[other.Id]);
        Assert.Equal(1, await factory.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.Action == AuditActions.AuthenticatorMoved && e.TargetId == user.Id)));
        // The new app's code of that step was spent on the move; the old app signs in no more.
        factory.Clock.Advance(TimeSpan.FromSeconds(30));
        await using var scope = factory.Services.CreateAsyncScope();
        var verifier = scope.ServiceProvider.GetRequiredService<TotpVerifier>();
        var reloaded = (await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByIdAsync(user.Id))!;
        Assert.Equal(TotpCheckResult.Invalid, await verifier.VerifyAsync(reloaded, Totp.Code(oldKey, factory.Clock.GetUtcNow()), "totp"));
        Assert.Equal(TotpCheckResult.Succeeded, await verifier.VerifyAsync(reloaded, Totp.Code(move.SharedKey, factory.Clock.GetUtcNow()), "totp"));

        async Task<string> KeyOfAsync(string userId)
        {
            await using var keyScope = factory.Services.CreateAsyncScope();
            var users = keyScope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            return (await users.GetAuthenticatorKeyAsync((await users.FindByIdAsync(userId))!))!;
        }
    }

    [Fact]
    public async Task TheTwoFactorPageWithoutAPasswordStepGoesBackToSignIn()
    {
        var response = await factory.CreatePortalClient().GetAsync("/Account/LoginWith2fa");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/Account/Login", response.LocalRedirect());
    }
}

/// <summary>Replays of an authenticator code: no other spelling, no later moment, no parallel burst gets one in.</summary>
public sealed class TotpReplayTests
{
    private static async Task<(PortalFactory Portal, string Key)> TwoFactorPortalAsync(string email, int maxFailedAttempts)
    {
        var portal = new PortalFactory(null, PortalSettings.WithAdministrator(DefaultPortal.AdminEmail, ("Lockout:MaxFailedAttempts", maxFailedAttempts.ToString())))
        {
            Clock = new FakeTimeProvider(DateTimeOffset.UtcNow),
        };
        var user = await portal.CreateUserAsync(email);
        var self = portal.Services.GetRequiredService<SelfService>();
        var setup = await self.BeginAuthenticatorSetupAsync(user.Id);
        Assert.Null((await self.EnableAuthenticatorAsync(user.Id, Totp.Code(setup.SharedKey, portal.Clock!.GetUtcNow()))).Error);
        return (portal, setup.SharedKey);
    }

    private static async Task<HttpResponseMessage> SecondStepAsync(PortalFactory portal, string email, string code)
    {
        var client = portal.CreatePortalClient();
        var password = await client.SignInAsync(email);
        return await client.SubmitAsync(password.LocalRedirect(), "login-2fa", new Dictionary<string, string> { ["Input.Code"] = code });
    }

    [Fact]
    public async Task AUsedCodeIsRefusedInEverySpellingOnEveryPathAndForItsWholeWindow()
    {
        var (portal, key) = await TwoFactorPortalAsync("replayed@example.com", maxFailedAttempts: 50);
        using var _ = portal;
        var code = Totp.NextCode(key, portal.Clock!.GetUtcNow());
        Assert.Equal(HttpStatusCode.Redirect, (await SecondStepAsync(portal, "replayed@example.com", code)).StatusCode);

        foreach (var spelling in new[] { code, "0" + code, "+" + code, "00" + code, code + "\t", "\t" + code, code + "\n", $"{code[..3]} {code[3..]}" })
        {
            Assert.Contains("That code is not right", await (await SecondStepAsync(portal, "replayed@example.com", spelling)).TextAsync());
            Assert.Equal("invalid_grant", await (await portal.CreatePortalClient().PasswordGrantAsync("replayed@example.com", otp: spelling)).ErrorCodeAsync());
        }
        // Identity would still have taken it 92 s later; it stays refused as long as it verifies at all.
        portal.Clock.Advance(TimeSpan.FromSeconds(92));
        Assert.Contains("That code is not right", await (await SecondStepAsync(portal, "replayed@example.com", code)).TextAsync());
        // The clock and the window are right: the code of the new moment works.
        Assert.Equal(HttpStatusCode.Redirect, (await SecondStepAsync(portal, "replayed@example.com", Totp.Code(key, portal.Clock.GetUtcNow()))).StatusCode);
    }

    [Fact]
    public async Task TheEnrolmentCodeCannotSignInAgain()
    {
        var (portal, key) = await TwoFactorPortalAsync("enrolled@example.com", maxFailedAttempts: 5);
        using var _ = portal;

        var sameCode = await portal.CreatePortalClient().PasswordGrantAsync("enrolled@example.com", otp: Totp.Code(key, portal.Clock!.GetUtcNow()));

        Assert.Equal("invalid_grant", await sameCode.ErrorCodeAsync());
    }

    [Fact]
    public async Task ParallelWrongCodesLockAfterExactlyTheLimit()
    {
        var (portal, _) = await TwoFactorPortalAsync("guessed@example.com", maxFailedAttempts: 5);
        using var __ = portal;
        var clients = new List<(HttpClient Client, string Page)>();
        for (var i = 0; i < 20; i++)
        {
            var client = portal.CreatePortalClient();
            clients.Add((client, (await client.SignInAsync("guessed@example.com")).LocalRedirect()));
        }

        await Task.WhenAll(clients.Select((c, i) => Task.Run(() =>
            c.Client.SubmitAsync(c.Page, "login-2fa", new Dictionary<string, string> { ["Input.Code"] = $"{i:D6}" }))));

        var failures = await portal.WithDbAsync(db => db.AuditEvents.Where(e => e.Action == AuditActions.SignInFailed && e.Details!.Contains("bad_totp")).CountAsync());
        Assert.Equal(5, failures);
        Assert.Equal(1, await portal.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.Action == AuditActions.LockedOut)));
    }

    [Fact]
    public async Task TwoGrantsRacingWithOneValidCodeGiveOneSessionAndNoServerError()
    {
        var (portal, key) = await TwoFactorPortalAsync("raced@example.com", maxFailedAttempts: 50);
        using var _ = portal;
        var code = Totp.NextCode(key, portal.Clock!.GetUtcNow());

        var answers = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
            portal.CreatePortalClient().PasswordGrantAsync("raced@example.com", otp: code))));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.BadRequest], answers.Select(a => a.StatusCode).Order());
        var userId = await portal.WithDbAsync(db => db.Users.Where(u => u.Email == "raced@example.com").Select(u => u.Id).SingleAsync());
        Assert.Equal(1, await portal.WithDbAsync(db => db.UserSessions.CountAsync(s => s.UserId == userId)));
    }
}
