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

    [Fact]
    public async Task ReadyIsUnhealthyWhileAMigrationIsPendingAndLiveStaysUp()
    {
        // Its own portal: this one's database is made to look one migration behind.
        using var portal = new PortalFactory(null);
        var client = portal.CreatePortalClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        var latest = await portal.WithDbAsync(db => Task.FromResult(db.Database.GetMigrations().Last()));

        await portal.WithDbAsync(db => db.Database.ExecuteSqlAsync($"DELETE FROM \"__EFMigrationsHistory\" WHERE \"MigrationId\" = {latest}"));

        var ready = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("Unhealthy", await ready.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
    }
}
