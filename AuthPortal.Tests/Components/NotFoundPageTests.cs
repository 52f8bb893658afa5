namespace AuthPortal.Tests.Components;

public sealed class NotFoundPageTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    [Fact]
    public async Task UnknownPageIsA404WithAFriendlyPage()
    {
        var response = await factory.CreatePortalClient().GetAsync("/no/such/page");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("Page not found", await response.TextAsync());
    }
}
