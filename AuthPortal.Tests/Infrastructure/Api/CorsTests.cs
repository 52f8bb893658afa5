namespace AuthPortal.Tests.Infrastructure.Api;

public sealed class CorsTests
{
    private static HttpRequestMessage Preflight(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/api/me");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "GET");
        request.Headers.Add("Access-Control-Request-Headers", "authorization");
        return request;
    }

    [Fact]
    public async Task NoBrowserOriginMayCallTheApiByDefault()
    {
        using var portal = new PortalFactory(null, PortalSettings.WithAdministrator(DefaultPortal.AdminEmail));

        var answer = await portal.CreatePortalClient().SendAsync(Preflight("https://app.example"));

        Assert.False(answer.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task OnlyTheConfiguredOriginsMayAndNeverWithCookies()
    {
        using var portal = new PortalFactory(null, PortalSettings.WithAdministrator(DefaultPortal.AdminEmail, ("Cors:AllowedOrigins:0", "https://app.example")));
        var client = portal.CreatePortalClient();

        var allowed = await client.SendAsync(Preflight("https://app.example"));
        var other = await client.SendAsync(Preflight("https://evil.example"));

        Assert.Equal("https://app.example", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False(allowed.Headers.Contains("Access-Control-Allow-Credentials"));
        Assert.False(other.Headers.Contains("Access-Control-Allow-Origin"));
    }
}
