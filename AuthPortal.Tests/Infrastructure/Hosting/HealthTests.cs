namespace AuthPortal.Tests.Infrastructure.Hosting;

public sealed class HealthTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
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
}
