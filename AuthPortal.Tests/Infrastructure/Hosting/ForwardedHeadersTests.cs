using Microsoft.IdentityModel.JsonWebTokens;

namespace AuthPortal.Tests.Infrastructure.Hosting;

/// <summary>Whose word counts for the client's address: the connection's, unless it comes from a configured proxy.</summary>
public sealed class ForwardedHeadersTests
{
    private static async Task<string?> SessionAddressAsync(PortalFactory factory, string connectionAddress, string forwardedFor)
    {
        var email = $"forwarded-{Guid.NewGuid():N}@example.com";
        await factory.CreateUserAsync(email);
        var client = factory.CreatePortalClient();
        client.DefaultRequestHeaders.Add("X-Test-Client-Ip", connectionAddress);
        client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        var sessionId = new JsonWebToken((await client.GetTokensAsync(email)).AccessToken).GetClaim("sid").Value;
        return await factory.WithDbAsync(db => db.UserSessions.Where(s => s.Id == sessionId).Select(s => s.IpAddress).SingleAsync());
    }

    [Fact]
    public async Task WithoutAConfiguredProxyNotEvenALocalCallerChoosesItsAddress()
    {
        using var factory = new PortalFactory(null, PortalSettings.WithAdministrator(DefaultPortal.AdminEmail));

        Assert.Equal("127.0.0.1", await SessionAddressAsync(factory, "127.0.0.1", "203.0.113.50"));
        Assert.Equal("::1", await SessionAddressAsync(factory, "::1", "203.0.113.51"));
    }

    [Fact]
    public async Task AConfiguredProxyIsBelievedAndNoOneElse()
    {
        using var factory = new PortalFactory(null, PortalSettings.WithAdministrator(DefaultPortal.AdminEmail, ("Proxy:KnownProxies:0", "127.0.0.1")));

        Assert.Equal("203.0.113.60", await SessionAddressAsync(factory, "127.0.0.1", "203.0.113.60"));
        Assert.Equal("198.51.100.9", await SessionAddressAsync(factory, "198.51.100.9", "203.0.113.61"));
    }
}
