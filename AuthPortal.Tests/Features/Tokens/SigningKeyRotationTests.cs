using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
namespace AuthPortal.Tests.Features.Tokens;

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
        await factory.Services.GetRequiredService<SigningKeyRing>().RefreshAsync();
        var fresh = await client.GetTokensAsync(DefaultPortal.AdminEmail);
        Assert.Equal(nextKid, new JsonWebToken(fresh.AccessToken).Kid);
        Assert.Contains(firstKid, await KidsAsync(client));
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/api/me", old.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/api/me", fresh.AccessToken)).StatusCode);

        clock.Advance(TimeSpan.FromMinutes(11)); // past the old token's expiry (+30 s skew)
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithTokenAsync("/api/me", old.AccessToken)).StatusCode);

        clock.Advance(TimeSpan.FromMinutes(1)); // and past the minute other instances may lag behind
        await factory.Services.GetRequiredService<SigningKeyRing>().RefreshAsync();
        Assert.Equal([nextKid], await KidsAsync(client));
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/api/me", (await client.GetTokensAsync(DefaultPortal.AdminEmail)).AccessToken)).StatusCode);
        Assert.Equal(2, await factory.WithDbAsync(db => db.SigningKeys.CountAsync()));
    }
}
