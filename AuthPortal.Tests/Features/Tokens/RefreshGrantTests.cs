using Microsoft.IdentityModel.JsonWebTokens;

namespace AuthPortal.Tests.Features.Tokens;

public sealed class RefreshGrantTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    [Fact]
    public async Task TwoConcurrentRefreshesWithTheSameTokenGiveExactlyOneSuccess()
    {
        await factory.CreateUserAsync("racing@example.com");
        var client = factory.CreatePortalClient();
        for (var round = 0; round < 5; round++)
        {
            var tokens = await client.GetTokensAsync("racing@example.com");
            var answers = await Task.WhenAll(
                Task.Run(() => factory.CreatePortalClient().RefreshGrantAsync(tokens.RefreshToken)),
                Task.Run(() => factory.CreatePortalClient().RefreshGrantAsync(tokens.RefreshToken)));

            Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
            Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.BadRequest));
        }
    }

    [Fact]
    public async Task RevokingARefreshTokenEndsItsSessionAndUnknownTokensStillGet200()
    {
        await factory.CreateUserAsync("revoker@example.com");
        var client = factory.CreatePortalClient();
        var tokens = await client.GetTokensAsync("revoker@example.com");

        var revoked = await client.PostAsync("/api/auth/revoke", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = tokens.RefreshToken }));
        var unknown = await client.PostAsync("/api/auth/revoke", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = "rt_not-a-real-token" }));

        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.Equal(HttpStatusCode.OK, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithTokenAsync("/api/me", tokens.AccessToken)).StatusCode);
        Assert.Equal("invalid_grant", await (await client.RefreshGrantAsync(tokens.RefreshToken)).ErrorCodeAsync());
    }
}

/// <summary>Rotation's grace window against reuse, on a clock the test moves: no sleeping.</summary>
public sealed class RefreshReuseTests(ClockPortal factory) : IClassFixture<ClockPortal>
{
    private static string SessionOf(ApiClient.Tokens tokens) => new JsonWebToken(tokens.AccessToken).GetClaim("sid").Value;

    private Task<string?> RevokedReasonAsync(string sessionId) =>
        factory.WithDbAsync(db => db.UserSessions.Where(s => s.Id == sessionId).Select(s => s.RevokedReason).SingleAsync());

    [Fact]
    public async Task ASecondUseInsideTheGraceIsRefusedButTheWinnersTokensKeepWorking()
    {
        await factory.CreateUserAsync("grace@example.com");
        var client = factory.CreatePortalClient();
        var first = await client.GetTokensAsync("grace@example.com");
        var second = await (await client.RefreshGrantAsync(first.RefreshToken)).TokensAsync();

        // A retry of the same request a moment later (a client that lost the first answer): not a theft.
        factory.Clock!.Advance(RefreshGrant.ConcurrentUseGrace - TimeSpan.FromMilliseconds(500));
        var retry = await client.RefreshGrantAsync(first.RefreshToken);

        Assert.Equal("invalid_grant", await retry.ErrorCodeAsync());
        Assert.Null(await RevokedReasonAsync(SessionOf(first)));
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/api/me", second.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.RefreshGrantAsync(second.RefreshToken)).StatusCode);
    }

    [Fact]
    public async Task ReuseAfterTheGraceRevokesTheWholeSession()
    {
        await factory.CreateUserAsync("rotating@example.com");
        var client = factory.CreatePortalClient();
        var first = await client.GetTokensAsync("rotating@example.com");

        var second = await (await client.RefreshGrantAsync(first.RefreshToken)).TokensAsync();
        Assert.NotEqual(first.RefreshToken, second.RefreshToken);
        Assert.Equal(SessionOf(first), SessionOf(second));
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/api/me", second.AccessToken)).StatusCode);

        // The first refresh token again, later than a concurrent retry could be: someone copied it.
        // Everything from this session dies.
        factory.Clock!.Advance(RefreshGrant.ConcurrentUseGrace + TimeSpan.FromMilliseconds(1));
        var reuse = await client.RefreshGrantAsync(first.RefreshToken);

        Assert.Equal("invalid_grant", await reuse.ErrorCodeAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithTokenAsync("/api/me", second.AccessToken)).StatusCode);
        Assert.Equal("invalid_grant", await (await client.RefreshGrantAsync(second.RefreshToken)).ErrorCodeAsync());
        Assert.Equal(RevocationReasons.RefreshTokenReused, await RevokedReasonAsync(SessionOf(first)));
    }

    [Fact]
    public async Task ARefreshIsAUseOfTheSessionAndAnIdleSessionCannotBeRefreshed()
    {
        await factory.CreateUserAsync("idle-refresher@example.com");
        var client = factory.CreatePortalClient();
        var first = await client.GetTokensAsync("idle-refresher@example.com");
        var session = SessionOf(first);
        Task<DateTimeOffset> LastSeenAsync() => factory.WithDbAsync(db => db.UserSessions.Where(s => s.Id == session).Select(s => s.LastSeenAt).SingleAsync());

        // Within a minute of the last use "last seen" stays (one write a minute at most); after it, a refresh moves it.
        factory.Clock!.Advance(TimeSpan.FromSeconds(10));
        var second = await (await client.RefreshGrantAsync(first.RefreshToken)).TokensAsync();
        var seenAtStart = await LastSeenAsync();
        Assert.True(factory.Clock.GetUtcNow() - seenAtStart >= TimeSpan.FromSeconds(10));
        factory.Clock.Advance(SessionStore.TouchInterval);
        var third = await (await client.RefreshGrantAsync(second.RefreshToken)).TokensAsync();
        Assert.Equal(factory.Clock.GetUtcNow(), await LastSeenAsync());

        // Unused for longer than the idle timeout (120 minutes by default): the refresh is refused and the session ends as idle.
        factory.Clock.Advance(TimeSpan.FromMinutes(121));
        Assert.Equal("invalid_grant", await (await client.RefreshGrantAsync(third.RefreshToken)).ErrorCodeAsync());
        // The grant or the hourly sweep (woken by the same clock move) ends it; either commits the end with its event.
        Assert.Equal(RevocationReasons.IdleTimeout, await Eventually.ReadAsync(() => RevokedReasonAsync(session), reason => reason is not null));
        Assert.Equal(1, await factory.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.Action == AuditActions.SessionExpired && e.TargetId == session)));
    }
}

/// <summary>A grant's rows commit together: a failure midway leaves nothing behind.</summary>
public sealed class PasswordGrantAtomicityTests
{
    [Fact]
    public async Task AFailureStoringTheRefreshTokenLeavesNoSessionNoSignInAndNoEvent()
    {
        using var factory = new PortalFactory(null, PortalSettings.WithAdministrator(DefaultPortal.AdminEmail));
        var user = await factory.CreateUserAsync("atomic@example.com");
        var client = factory.CreatePortalClient();
        var eventsBefore = await factory.WithDbAsync(db => db.AuditEvents.CountAsync());
        var lastEventBefore = await factory.WithDbAsync(db => db.AuditEvents.MaxAsync(e => (long?)e.Id)) ?? 0;

        // A real fault in the real database: the refresh token insert fails after the session insert was issued.
        await DatabaseFaults.RefuseAsync(factory, "refuse_refresh_tokens", "INSERT", "RefreshTokens");
        var failed = await client.PasswordGrantAsync("atomic@example.com");

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal(0, await factory.WithDbAsync(db => db.UserSessions.CountAsync(s => s.UserId == user.Id)));
        Assert.Null(await factory.WithDbAsync(db => db.Users.Where(u => u.Id == user.Id).Select(u => u.LastSignInAt).SingleAsync()));
        Assert.Equal(eventsBefore, await factory.WithDbAsync(db => db.AuditEvents.CountAsync()));

        // Once the fault is gone the same request succeeds, and all of it is there, chained.
        await DatabaseFaults.RemoveAsync(factory, "refuse_refresh_tokens", "RefreshTokens");
        var tokens = await client.GetTokensAsync("atomic@example.com");
        var sessionId = new JsonWebToken(tokens.AccessToken).GetClaim("sid").Value;
        Assert.Equal(1, await factory.WithDbAsync(db => db.RefreshTokens.CountAsync(t => t.SessionId == sessionId)));
        Assert.NotNull(await factory.WithDbAsync(db => db.Users.Where(u => u.Id == user.Id).Select(u => u.LastSignInAt).SingleAsync()));
        var actions = await factory.WithDbAsync(db => db.AuditEvents.Where(e => e.Id > lastEventBefore).OrderBy(e => e.Id).Select(e => e.Action).ToListAsync());
        Assert.Equal([AuditActions.SessionCreated, AuditActions.SignInSucceeded, AuditActions.TokenIssued], actions);
        Assert.Null(await factory.Services.GetRequiredService<AuditLog>().FindFirstBrokenLinkAsync());
    }
}
