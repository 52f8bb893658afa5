namespace AuthPortal.Tests.Infrastructure.Hosting;

public sealed class HostingTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    [Fact]
    public async Task HealthEndpointsAnswer()
    {
        var client = factory.CreatePortalClient();

        var live = await client.GetAsync("/health/live");
        var ready = await client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("Healthy", await live.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UnknownPageIsA404WithAFriendlyPage()
    {
        var response = await factory.CreatePortalClient().GetAsync("/no/such/page");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("Page not found", await response.TextAsync());
    }
}
