using System.Net;
using System.Net.Http.Json;
using AuthPortal.Data;
using AuthPortal.Features.Tokens;
using AuthPortal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AuthPortal.Tests.Integration.Api;

public sealed class ApiEndpointTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    [Fact]
    public async Task RefreshRotatesAndAReusedRefreshTokenRevokesTheWholeSession()
    {
        await factory.CreateUserAsync("rotating@example.com");
        var client = factory.CreatePortalClient();
        var first = await client.GetTokensAsync("rotating@example.com");

        var second = await (await client.RefreshGrantAsync(first.RefreshToken)).TokensAsync();
        Assert.NotEqual(first.RefreshToken, second.RefreshToken);
        Assert.Equal(new JsonWebToken(first.AccessToken).GetClaim("sid").Value, new JsonWebToken(second.AccessToken).GetClaim("sid").Value);
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/api/me", second.AccessToken)).StatusCode);

        // The first refresh token again, later than a concurrent retry could be: someone copied it.
        // Everything from this session dies.
        await Task.Delay(RefreshTokenRotation.ConcurrentUseGrace + TimeSpan.FromMilliseconds(300));
        var reuse = await client.RefreshGrantAsync(first.RefreshToken);
        Assert.Equal("invalid_grant", await reuse.ErrorCodeAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithTokenAsync("/api/me", second.AccessToken)).StatusCode);
        Assert.Equal("invalid_grant", await (await client.RefreshGrantAsync(second.RefreshToken)).ErrorCodeAsync());
        var sid = new JsonWebToken(first.AccessToken).GetClaim("sid").Value;
        Assert.Equal("refresh_token_reused", await factory.WithDbAsync(db => db.UserSessions.Where(s => s.Id == sid).Select(s => s.RevokedReason).SingleAsync()));
    }

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

    [Fact]
    public async Task MeDescribesTheUserAndPatchChangesOnlyAllowedFields()
    {
        var user = await factory.CreateUserAsync("me-api@example.com");
        var client = factory.CreatePortalClient();
        var token = (await client.GetTokensAsync("me-api@example.com")).AccessToken;

        var me = await (await client.GetWithTokenAsync("/api/me", token)).JsonAsync();
        Assert.Equal(user.Id, me.GetProperty("id").GetString());
        Assert.Equal("me-api@example.com", me.GetProperty("email").GetString());
        foreach (var field in new[] { "userName", "displayName", "timeZone", "emailConfirmed", "twoFactorEnabled", "roles", "permissions", "organizations" })
        {
            Assert.True(me.TryGetProperty(field, out _), field);
        }

        var patched = await client.SendWithTokenAsync(HttpMethod.Patch, "/api/me", token, new { displayName = "Api Person", timeZone = "Asia/Tokyo" });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal("Api Person", (await patched.JsonAsync()).GetProperty("displayName").GetString());

        var privileged = await client.SendWithTokenAsync(HttpMethod.Patch, "/api/me", token, new { displayName = "Sneaky", roles = new[] { "Administrator" } });
        Assert.Equal(HttpStatusCode.BadRequest, privileged.StatusCode);
        Assert.Equal("application/problem+json", privileged.Content.Headers.ContentType?.MediaType);
        Assert.True((await privileged.JsonAsync()).GetProperty("errors").TryGetProperty("roles", out _));

        var badZone = await client.SendWithTokenAsync(HttpMethod.Patch, "/api/me", token, new { timeZone = "Mars/Olympus" });
        Assert.True((await badZone.JsonAsync()).GetProperty("errors").TryGetProperty("timeZone", out _));

        var stored = await factory.WithDbAsync(db => db.Users.Where(u => u.Id == user.Id).Select(u => new { u.DisplayName, u.TimeZone }).SingleAsync());
        Assert.Equal(("Api Person", "Asia/Tokyo"), (stored.DisplayName, stored.TimeZone));
        Assert.Empty(await factory.WithDbAsync(db => (from ur in db.UserRoles where ur.UserId == user.Id select ur).ToListAsync()));
    }

    [Fact]
    public async Task PasswordChangeNeedsTheCurrentPasswordAndAStrongNewOne()
    {
        await factory.CreateUserAsync("api-password@example.com");
        var client = factory.CreatePortalClient();
        var token = (await client.GetTokensAsync("api-password@example.com")).AccessToken;

        var wrongCurrent = await client.SendWithTokenAsync(HttpMethod.Post, "/api/me/password", token, new { currentPassword = "not it at all", newPassword = "violet harbor quartz lantern" });
        var weak = await client.SendWithTokenAsync(HttpMethod.Post, "/api/me/password", token, new { currentPassword = Accounts.Password, newPassword = "password1234" });

        Assert.True((await wrongCurrent.JsonAsync()).GetProperty("errors").TryGetProperty("currentPassword", out _));
        Assert.True((await weak.JsonAsync()).GetProperty("errors").TryGetProperty("newPassword", out _));
        Assert.Equal(HttpStatusCode.OK, (await client.PasswordGrantAsync("api-password@example.com")).StatusCode);
    }

    [Fact]
    public async Task SessionEndpointsListRevokeAndHideOtherUsersSessions()
    {
        await factory.CreateUserAsync("api-sessions@example.com");
        await factory.CreateUserAsync("api-sessions-other@example.com");
        var client = factory.CreatePortalClient();
        var mine = await client.GetTokensAsync("api-sessions@example.com");
        var myOther = await client.GetTokensAsync("api-sessions@example.com");
        var theirs = await client.GetTokensAsync("api-sessions-other@example.com");

        var list = await (await client.GetWithTokenAsync("/api/me/sessions", mine.AccessToken)).JsonAsync();
        var items = list.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, items.Count);
        Assert.Single(items, i => i.GetProperty("current").GetBoolean());
        Assert.All(items, i => Assert.Equal("Api", i.GetProperty("kind").GetString()));

        var theirSid = new JsonWebToken(theirs.AccessToken).GetClaim("sid").Value;
        var foreign = await client.SendWithTokenAsync(HttpMethod.Delete, $"/api/me/sessions/{theirSid}", mine.AccessToken);
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/api/me", theirs.AccessToken)).StatusCode);

        var others = await client.SendWithTokenAsync(HttpMethod.Post, "/api/me/sessions/revoke-others", mine.AccessToken);
        Assert.Equal(1, (await others.JsonAsync()).GetProperty("revoked").GetInt32());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithTokenAsync("/api/me", myOther.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/api/me", mine.AccessToken)).StatusCode);
    }

    [Fact]
    public async Task AdminSessionEndpointsNeedTheirPermissions()
    {
        var target = await factory.CreateUserAsync("api-target@example.com");
        await factory.CreateUserAsync("api-nobody@example.com");
        var client = factory.CreatePortalClient();
        var targetToken = (await client.GetTokensAsync("api-target@example.com")).AccessToken;
        var nobody = (await client.GetTokensAsync("api-nobody@example.com")).AccessToken;
        var admin = (await client.GetTokensAsync(DefaultPortal.AdminEmail)).AccessToken;
        var adminReadOnly = (await client.GetTokensAsync(DefaultPortal.AdminEmail, scope: "users.read")).AccessToken;

        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetWithTokenAsync($"/api/users/{target.Id}/sessions", nobody)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendWithTokenAsync(HttpMethod.Post, $"/api/users/{target.Id}/revoke-sessions", nobody)).StatusCode);
        // Scope narrows: an administrator's users.read-only token cannot revoke.
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendWithTokenAsync(HttpMethod.Post, $"/api/users/{target.Id}/revoke-sessions", adminReadOnly)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/api/me", targetToken)).StatusCode);

        var list = await (await client.GetWithTokenAsync($"/api/users/{target.Id}/sessions", adminReadOnly)).JsonAsync();
        Assert.Single(list.GetProperty("items").EnumerateArray());
        var revoked = await client.SendWithTokenAsync(HttpMethod.Post, $"/api/users/{target.Id}/revoke-sessions", admin);
        Assert.Equal(1, (await revoked.JsonAsync()).GetProperty("revoked").GetInt32());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithTokenAsync("/api/me", targetToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetWithTokenAsync("/api/users/no-such-user/sessions", admin)).StatusCode);
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
        Assert.Equal(HttpStatusCode.Accepted, taken.StatusCode);
        Assert.Single(factory.Mailbox.To("api-new@example.com"));
        var errors = (await invalid.JsonAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("email", out _));
        Assert.True(errors.TryGetProperty("displayName", out _));
        Assert.Equal(HttpStatusCode.BadRequest, extra.StatusCode);
        Assert.False(await factory.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == "api-extra@example.com")));
    }

    [Fact]
    public async Task UnknownApiRoutesAnswerProblemDetailsNotPages()
    {
        var client = factory.CreatePortalClient();
        var token = (await client.GetTokensAsync(DefaultPortal.AdminEmail)).AccessToken;

        var response = await client.GetWithTokenAsync("/api/no-such-thing", token);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.JsonAsync()).TryGetProperty("traceId", out _));
    }

    [Fact]
    public async Task AnOutsideServiceValidatesATokenWithOnlyTheJwks()
    {
        var client = factory.CreatePortalClient();
        var token = (await client.GetTokensAsync(DefaultPortal.AdminEmail)).AccessToken;
        var configuration = await (await client.GetAsync("/.well-known/openid-configuration")).JsonAsync();
        var jwksJson = await client.GetStringAsync(new Uri(configuration.GetProperty("jwks_uri").GetString()!).PathAndQuery);

        // What another service does: no shared secret, no call back to AuthPortal beyond the JWKS.
        var keys = new JsonWebKeySet(jwksJson).GetSigningKeys();
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = configuration.GetProperty("issuer").GetString(),
            ValidAudience = "authportal",
            IssuerSigningKeys = keys,
            ValidAlgorithms = ["ES256"],
            ValidTypes = ["at+jwt"],
        });

        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal("Administrator", (await (await client.GetWithTokenAsync("/api/me", token)).JsonAsync()).GetProperty("displayName").GetString());
    }
}

public sealed class SigningKeyRotationTests
{
    private static async Task<List<string?>> KidsAsync(HttpClient client) =>
        (await (await client.GetAsync("/.well-known/jwks.json")).JsonAsync()).GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()).ToList();

    [Fact]
    public async Task ANewKeyIsPublishedADayAheadSignsAfterThirtyDaysAndOldTokensLiveUntilTheyExpire()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var factory = new PortalFactory(null, PortalSettings.WithAdministrator(DefaultPortal.AdminEmail, ("Sessions:IdleTimeoutMinutes", "100000"), ("Sessions:AbsoluteTimeoutHours", "8000"))) { Clock = clock };
        var client = factory.CreatePortalClient();

        var first = await client.GetTokensAsync(DefaultPortal.AdminEmail);
        var firstKid = new JsonWebToken(first.AccessToken).Kid;

        // A day before the 30th birthday a new key appears in the JWKS, but does not sign yet.
        clock.Advance(TimeSpan.FromDays(29) + TimeSpan.FromMinutes(1));
        await client.GetTokensAsync(DefaultPortal.AdminEmail);
        var published = await KidsAsync(client);
        Assert.Equal(2, published.Count);
        var nextKid = published.Single(k => k != firstKid);

        clock.Advance(TimeSpan.FromDays(1) - TimeSpan.FromMinutes(3));
        var old = await client.GetTokensAsync(DefaultPortal.AdminEmail);
        Assert.Equal(firstKid, new JsonWebToken(old.AccessToken).Kid);

        clock.Advance(TimeSpan.FromMinutes(4)); // the new key has been published for a day: it signs now
        await factory.Services.GetRequiredService<SigningKeys>().RefreshAsync();
        var fresh = await client.GetTokensAsync(DefaultPortal.AdminEmail);
        Assert.Equal(nextKid, new JsonWebToken(fresh.AccessToken).Kid);
        Assert.Contains(firstKid, await KidsAsync(client));
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/api/me", old.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/api/me", fresh.AccessToken)).StatusCode);

        clock.Advance(TimeSpan.FromMinutes(11)); // past the old token's expiry (+30 s skew)
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithTokenAsync("/api/me", old.AccessToken)).StatusCode);

        clock.Advance(TimeSpan.FromMinutes(1)); // and past the minute other instances may lag behind
        await factory.Services.GetRequiredService<SigningKeys>().RefreshAsync();
        Assert.Equal([nextKid], await KidsAsync(client));
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/api/me", (await client.GetTokensAsync(DefaultPortal.AdminEmail)).AccessToken)).StatusCode);
        Assert.Equal(2, await factory.WithDbAsync(db => db.SigningKeys.CountAsync()));
    }
}
