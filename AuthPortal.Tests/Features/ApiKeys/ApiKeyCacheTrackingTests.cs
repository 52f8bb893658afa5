using AuthPortal.Features.ApiKeys;
using Microsoft.Extensions.Caching.Memory;

namespace AuthPortal.Tests.Features.ApiKeys;

/// <summary>
/// The store remembers which cached keys belong to which owner (so a change to the owner evicts them). That bookkeeping
/// follows the cache: when the cached keys expire it is gone too, instead of growing with every key ever used.
/// </summary>
public sealed class ApiKeyCacheTrackingTests(ClockPortal factory) : IClassFixture<ClockPortal>
{
    [Fact]
    public async Task OwnersOfExpiredCacheEntriesAreNoLongerTrackedAndTheirKeysStillWork()
    {
        var store = factory.Services.GetRequiredService<ApiKeyStore>();
        var keys = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var email = $"tracked{i}@example.com";
            await factory.CreateUserAsync(email);
            var client = factory.CreatePortalClient();
            var token = (await client.GetTokensAsync(email)).AccessToken;
            var created = await client.SendWithTokenAsync(HttpMethod.Post, "/api/me/api-keys", token, new { name = "tracked", scopes = Array.Empty<string>(), expiresInDays = 30 });
            keys.Add((await created.JsonAsync()).GetProperty("key").GetString()!);
        }
        using var api = factory.CreatePortalClient();
        foreach (var key in keys)
        {
            Assert.Equal(HttpStatusCode.OK, (await api.GetWithTokenAsync("/api/me", key)).StatusCode);
        }
        Assert.Equal(3, store.OwnersWithCachedKeys);

        // Past the cache window the entries expire; the cache drops them on its next sweep and the tracking goes with them
        // (eviction callbacks run on the thread pool, so wait for the count, bounded).
        factory.Clock!.Advance(TimeSpan.FromSeconds(new AuthPortal.Infrastructure.Options.SessionPolicyOptions().RevalidationSeconds + 1));
        ((MemoryCache)factory.Services.GetRequiredService<IMemoryCache>()).Compact(0);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (store.OwnersWithCachedKeys > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.Equal(0, store.OwnersWithCachedKeys);

        // A key used again is looked up, cached and tracked afresh.
        Assert.Equal(HttpStatusCode.OK, (await api.GetWithTokenAsync("/api/me", keys[0])).StatusCode);
        Assert.Equal(1, store.OwnersWithCachedKeys);
    }
}
