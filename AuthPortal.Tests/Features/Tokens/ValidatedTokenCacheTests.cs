using AuthPortal.Features.Tokens;
using Microsoft.Extensions.Caching.Memory;

namespace AuthPortal.Tests.Features.Tokens;

/// <summary>A validated access token is remembered while it is in use, not for its whole lifetime.</summary>
public sealed class ValidatedTokenCacheTests(ClockPortal factory) : IClassFixture<ClockPortal>
{
    [Fact]
    public async Task ATokenInUseStaysRememberedAndAnIdleOneIsDroppedBeforeItsExpiry()
    {
        await factory.CreateUserAsync("cached-token@example.com");
        var client = factory.CreatePortalClient();
        var busy = (await client.GetTokensAsync("cached-token@example.com")).AccessToken;
        var idle = (await client.GetTokensAsync("cached-token@example.com")).AccessToken;
        var cache = (MemoryCache)factory.Services.GetRequiredService<IMemoryCache>();
        bool Remembered(string token) => cache.TryGetValue(ValidatedTokenCache.CacheKey(token), out _);

        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/api/me", busy)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/api/me", idle)).StatusCode);
        Assert.True(Remembered(busy) && Remembered(idle));

        // Both tokens are valid for minutes more; only the one used within the idle window is still held after it.
        for (var step = 0; step < 3; step++)
        {
            factory.Clock!.Advance(ValidatedTokenCache.IdleFor / 2);
            Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/api/me", busy)).StatusCode);
        }
        cache.Compact(0);
        Assert.True(Remembered(busy));
        Assert.False(Remembered(idle));

        // Dropped from the cache is not refused: the token is checked in full again and accepted until its exp.
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/api/me", idle)).StatusCode);
    }
}
