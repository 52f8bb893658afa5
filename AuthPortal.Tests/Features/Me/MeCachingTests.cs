using System.Net;

namespace AuthPortal.Tests.Features.Me;

/// <summary>
/// What the speed-ups behind <c>GET /api/me</c> must not change: a validated token remembered until its exp is still
/// refused once its session ends or its exp passes, and the cached profile shows a role change and the caller's own
/// edit at once.
/// </summary>
public sealed class MeCachingTests(ClockPortal factory) : IClassFixture<ClockPortal>
{
    [Fact]
    public async Task ARememberedTokenIsStillRefusedOnceItsSessionEndsOrItsExpPasses()
    {
        await factory.CreateUserAsync("remembered@example.com");
        var client = factory.CreatePortalClient();
        var ended = await client.GetTokensAsync("remembered@example.com");
        var expiring = await client.GetTokensAsync("remembered@example.com");
        // Validated once each: from here on both are answered from the cache.
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/api/me", ended.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/api/me", expiring.AccessToken)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.SendWithTokenAsync(HttpMethod.Post, "/api/auth/logout", ended.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithTokenAsync("/api/me", ended.AccessToken)).StatusCode);

        factory.Clock!.Advance(TimeSpan.FromSeconds(expiring.ExpiresIn) + TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithTokenAsync("/api/me", expiring.AccessToken)).StatusCode);
    }

    [Fact]
    public async Task TheProfileShowsARoleChangeAndTheCallersOwnEditAtOnce()
    {
        var user = await factory.CreateUserAsync("profile-cache@example.com");
        await factory.CreateRoleAsync("Cache watchers", "users.read");
        var client = factory.CreatePortalClient();
        var token = (await client.GetTokensAsync("profile-cache@example.com")).AccessToken;
        var before = await (await client.GetWithTokenAsync("/api/me", token)).JsonAsync();
        Assert.Empty(before.GetProperty("roles").EnumerateArray());

        await factory.AddToRoleAsync(user, "Cache watchers");
        var afterRole = await (await client.GetWithTokenAsync("/api/me", token)).JsonAsync();
        Assert.Equal(["Cache watchers"], afterRole.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));

        Assert.Equal(HttpStatusCode.OK, (await client.SendWithTokenAsync(HttpMethod.Patch, "/api/me", token, new { displayName = "Renamed Watcher" })).StatusCode);
        var afterEdit = await (await client.GetWithTokenAsync("/api/me", token)).JsonAsync();
        Assert.Equal("Renamed Watcher", afterEdit.GetProperty("displayName").GetString());
    }
}
