using System.Net;
using AuthPortal.Features.Audit;
using AuthPortal.Infrastructure.Security;
using AuthPortal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AuthPortal.Tests.Integration;

public sealed class HostingTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    [Theory]
    [InlineData("/Account/Login")]
    [InlineData("/Account/Register")]
    [InlineData("/health/live")]
    public async Task EveryResponseCarriesTheSecurityHeaders(string path)
    {
        var response = await factory.CreatePortalClient().GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Contains("script-src 'self'", csp);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("strict-origin-when-cross-origin", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
    }

    [Fact]
    public async Task AHostOutsideAllowedHostsIsRefused()
    {
        // Emailed links may be built from the request address, so a forged Host must not get through.
        var client = factory.CreatePortalClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/Account/Login");
        request.Headers.Host = "evil.example";

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

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
    public async Task OverHttpsTheCookieIsHostPrefixedAndSecure()
    {
        await factory.CreateUserAsync("tls@example.com");
        var client = factory.CreatePortalClient("https://localhost");

        var response = await client.SignInAsync("tls@example.com");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(SchemeAwareCookieManager.HttpsName + "=", StringComparison.Ordinal));
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("domain=", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task AnonymousVisitorsAreSentToSignInAndNormalUsersDoNotSeeAdministration()
    {
        var anonymous = await factory.CreatePortalClient().GetAsync("/admin/users");
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        Assert.StartsWith("/Account/Login?ReturnUrl=%2Fadmin%2Fusers", anonymous.LocalRedirect(), StringComparison.OrdinalIgnoreCase);

        await factory.CreateUserAsync("plain@example.com");
        var client = factory.CreatePortalClient();
        await client.SignInAsync("plain@example.com");

        var home = await (await client.GetAsync("/")).TextAsync();
        Assert.DoesNotContain("Administration", home);
        var users = await client.GetAsync("/admin/users");
        Assert.Equal(HttpStatusCode.Redirect, users.StatusCode);
        Assert.StartsWith("/Account/AccessDenied", users.LocalRedirect());
        Assert.Contains("Access denied", await (await client.GetAsync(users.LocalRedirect())).TextAsync());
    }

    [Fact]
    public async Task AdministratorsSeeTheUserList()
    {
        await factory.CreateUserAsync("boss@example.com", administrator: true);
        await factory.CreateUserAsync("listed@example.com");
        var client = factory.CreatePortalClient();
        await client.SignInAsync("boss@example.com");

        var home = await (await client.GetAsync("/")).TextAsync();
        Assert.Contains("Administration", home);
        var response = await client.GetAsync("/admin/users");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("You do not have access", await response.TextAsync());
    }

    [Fact]
    public async Task UnknownPageIsA404WithAFriendlyPage()
    {
        var response = await factory.CreatePortalClient().GetAsync("/no/such/page");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("Page not found", await response.TextAsync());
    }

    [Fact]
    public async Task TheModelHasNoChangesWithoutAMigration()
    {
        var pending = await factory.WithDbAsync(db => Task.FromResult(db.Database.HasPendingModelChanges()));
        Assert.False(pending, "The EF model changed: run 'dotnet ef migrations add <Name> --project AuthPortal --output-dir Migrations'.");
    }

    [Fact]
    public async Task SqliteRunsInWalModeWithABusyTimeout()
    {
        var (journal, timeout) = await factory.WithDbAsync(async db =>
        {
            var connection = db.Database.GetDbConnection();
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode;";
            var journalMode = (string)(await command.ExecuteScalarAsync())!;
            command.CommandText = "PRAGMA busy_timeout;";
            var busy = Convert.ToInt32(await command.ExecuteScalarAsync());
            return (journalMode, busy);
        });
        Assert.Equal("wal", journal);
        Assert.True(timeout >= 1000);
    }

    [Fact]
    public async Task AuditLogIsAHashChainThatDetectsTampering()
    {
        var audit = factory.Services.GetRequiredService<AuditLog>();
        await audit.RecordAsync(new AuditRecord("test.first") { ActorKind = Data.ActorKind.System });
        var middle = await audit.RecordAsync(new AuditRecord("test.second") { ActorKind = Data.ActorKind.System });
        await audit.RecordAsync(new AuditRecord("test.third") { ActorKind = Data.ActorKind.System });
        Assert.Null(await audit.FindFirstBrokenLinkAsync());

        await factory.WithDbAsync(db => db.AuditEvents.Where(e => e.Id == middle.Id).ExecuteUpdateAsync(s => s.SetProperty(e => e.Succeeded, false)));

        Assert.Equal(middle.Id, await audit.FindFirstBrokenLinkAsync());
        await factory.WithDbAsync(db => db.AuditEvents.Where(e => e.Id == middle.Id).ExecuteUpdateAsync(s => s.SetProperty(e => e.Succeeded, true)));
    }
}

public sealed class ProductionHostingTests
{
    [Fact]
    public async Task OutsideDevelopmentHttpRedirectsToHttpsAndHttpsSendsHsts()
    {
        using var factory = new PortalFactory(null, environment: "Production", settings: new Dictionary<string, string?> { ["HTTPS_PORT"] = "443", ["AllowedHosts"] = "portal.example" });

        var http = await factory.CreatePortalClient("http://portal.example").GetAsync("/Account/Login");
        Assert.Equal(HttpStatusCode.TemporaryRedirect, http.StatusCode);
        Assert.Equal("https://portal.example/Account/Login", http.Headers.Location?.ToString());

        var https = await factory.CreatePortalClient("https://portal.example").GetAsync("/Account/Login");
        Assert.Equal(HttpStatusCode.OK, https.StatusCode);
        Assert.Contains("max-age=31536000", Assert.Single(https.Headers.GetValues("Strict-Transport-Security")));
    }

    [Fact]
    public async Task CookiesSurviveARestartBecauseKeysLiveInTheDatabase()
    {
        var directory = TestPaths.NewTempDirectory("restart");
        string cookie;
        using (var first = new PortalFactory(directory))
        {
            await first.CreateUserAsync("durable@example.com");
            var signIn = await first.CreatePortalClient().SignInAsync("durable@example.com");
            Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
            cookie = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("AuthPortal=", StringComparison.Ordinal)).Split(';')[0];
            Assert.True(await first.WithDbAsync(db => db.DataProtectionKeys.AnyAsync()));
        }

        using var second = new PortalFactory(directory);
        var fresh = second.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        fresh.DefaultRequestHeaders.Add("Cookie", cookie);
        var home = await fresh.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Contains("durable@example.com", await home.TextAsync());
    }
}
