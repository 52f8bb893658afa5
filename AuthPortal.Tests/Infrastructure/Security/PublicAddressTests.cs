namespace AuthPortal.Tests.Infrastructure.Security;

/// <summary>Where emailed links point when App:PublicUrl is not set: never at a port the request made up.</summary>
public sealed class PublicAddressTests
{
    [Fact]
    public async Task AResetLinkPointsAtThePortTheServerListensOnNotTheOneInTheHostHeader()
    {
        using var portal = new PortalFactory(null, PortalSettings.WithAdministrator(DefaultPortal.AdminEmail));
        portal.UseKestrel(0);
        portal.StartServer();
        await portal.CreateUserAsync("linked@example.com");
        var listening = portal.ClientOptions.BaseAddress;
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = listening };

        var forged = new HttpRequestMessage(HttpMethod.Get, "/Account/ForgotPassword");
        forged.Headers.Host = "localhost:1";
        var page = await http.SendAsync(forged);
        var fields = HtmlForms.HiddenFields(await page.Content.ReadAsStringAsync(), "forgot-password");
        fields["Input.Email"] = "linked@example.com";
        var cookies = page.Headers.TryGetValues("Set-Cookie", out var set) ? string.Join("; ", set.Select(c => c.Split(';')[0])) : "";
        var post = new HttpRequestMessage(HttpMethod.Post, "/Account/ForgotPassword") { Content = new FormUrlEncodedContent(fields) };
        post.Headers.Host = "localhost:1";
        post.Headers.Add("Cookie", cookies);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(post)).StatusCode);

        var link = new Uri(portal.Mailbox.LinkIn("linked@example.com", "Reset your password"));
        Assert.NotEqual(1, link.Port);
        Assert.Equal(listening.Port, link.Port);
    }
}
