using System.Diagnostics;
using System.Net;
using AuthPortal.Infrastructure.Database;
using AuthPortal.Tests.E2E;
using Microsoft.Playwright;

namespace AuthPortal.Tests.ScaleOut;

/// <summary>
/// What must hold across instances, proven with two real AuthPortal processes on one real PostgreSQL behind a real nginx.
/// Each test uses its own accounts, so their order does not matter.
/// </summary>
[Trait("Category", "ScaleOut")]
[Trait("Category", "Postgres")]
[Collection(ScaleOutCollection.Name)]
public sealed class ScaleOutTests(ScaleOutCluster cluster) : IClassFixture<ScaleOutCluster>
{
    /// <summary>How soon a change on one instance must show on the other: by notice, well before the caches expire (10 s).</summary>
    private static readonly TimeSpan NoticeTime = TimeSpan.FromSeconds(2);

    private static HttpClient Client(AppInstance instance, CookieContainer? cookies = null) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies ?? new CookieContainer(), UseCookies = true })
        {
            BaseAddress = new Uri(instance.Url),
            Timeout = TimeSpan.FromSeconds(30),
        };

    private PostgresAppDbContext Database() => new(new DbContextOptionsBuilder<PostgresAppDbContext>().UseNpgsql(cluster.ConnectionString).Options);

    /// <summary>People with the seeder's password, inserted straight into the shared database (user i of a fresh batch).</summary>
    private async Task<string> SeedPersonAsync(string tag)
    {
        await using var db = Database();
        var email = $"{tag}@scale.test";
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO "AspNetUsers" ("Id", "UserName", "NormalizedUserName", "Email", "NormalizedEmail", "EmailConfirmed", "PasswordHash",
                "SecurityStamp", "ConcurrencyStamp", "PhoneNumberConfirmed", "TwoFactorEnabled", "LockoutEnabled", "AccessFailedCount",
                "DisplayName", "TimeZone", "CreatedAt", "IsServiceAccount")
            VALUES ({Guid.NewGuid().ToString()}, {email}, {email.ToUpperInvariant()}, {email}, {email.ToUpperInvariant()}, TRUE, {SeededHash.Value},
                {Guid.NewGuid().ToString("N")}, {Guid.NewGuid().ToString()}, FALSE, FALSE, TRUE, 0, {tag}, 'UTC', {DateTimeOffset.UtcNow.UtcTicks}, FALSE)
            """);
        return email;
    }

    private static readonly Lazy<string> SeededHash = new(() => new PasswordHasher<AppUser>().HashPassword(new AppUser(), Accounts.Password));

    [Fact]
    public async Task BothInstancesStartedTogetherOnAnEmptyDatabaseCameUpAndMigratedItOnce()
    {
        await using var db = Database();
        var applied = await db.Database.SqlQueryRaw<string>("SELECT \"MigrationId\" AS \"Value\" FROM \"__EFMigrationsHistory\"").ToListAsync();
        Assert.Equal(db.Database.GetMigrations().Order(), applied.Order());
        // EF Core's migration lock: one instance applied the migrations, the other found nothing to do.
        var applying = new[] { cluster.A, cluster.B }.Count(i => i.Output.Any(l => l.Contains("Applying migration", StringComparison.Ordinal)));
        Assert.Equal(1, applying);
        // One administrator, one Administrator role, however the two raced.
        Assert.Equal(1, await db.Users.CountAsync(u => u.Email == ScaleOutCluster.AdminEmail));
        Assert.Equal(1, await db.Roles.CountAsync(r => r.Name == "Administrator"));
        // One Data Protection key (cookies and stored secrets from either instance open on the other) and one signing key.
        Assert.Equal(1, await db.DataProtectionKeys.CountAsync());
        Assert.Equal(1, await db.SigningKeys.CountAsync());
        foreach (var instance in new[] { cluster.A, cluster.B })
        {
            using var http = Client(instance);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
        }
    }

    [Fact]
    public async Task ACookieIssuedThroughAIsAcceptedThroughB()
    {
        var email = await SeedPersonAsync("cookie");
        var cookies = new CookieContainer();
        using var a = Client(cluster.A, cookies);
        using var b = Client(cluster.B, cookies);
        var signIn = await a.SignInAsync(email);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);

        var page = await b.GetAsync("/profile");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains(email, await page.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AJwtAndAnApiKeyMadeOnAWorkOnB()
    {
        var email = await SeedPersonAsync("bearer");
        using var a = Client(cluster.A);
        using var b = Client(cluster.B);
        var tokens = await a.GetTokensAsync(email);
        var me = await b.GetWithTokenAsync("/api/me", tokens.AccessToken);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal(email, (await me.JsonAsync()).GetProperty("email").GetString());

        var key = await CreateKeyAsync(a, tokens.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await b.GetWithApiKeyHeaderAsync("/api/me", key.Key)).StatusCode);
    }

    [Fact]
    public async Task ASessionAndAnApiKeyRevokedOnAAreRefusedOnBWithinTheRevalidationTime()
    {
        var email = await SeedPersonAsync("revoked");
        using var a = Client(cluster.A);
        using var b = Client(cluster.B);
        var tokens = await a.GetTokensAsync(email);
        var key = await CreateKeyAsync(a, tokens.AccessToken);
        var spare = await a.GetTokensAsync(email);
        // B has seen both and holds them in its caches.
        Assert.Equal(HttpStatusCode.OK, (await b.GetWithTokenAsync("/api/me", tokens.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await b.GetWithApiKeyHeaderAsync("/api/me", key.Key)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await a.SendWithTokenAsync(HttpMethod.Post, "/api/auth/logout", tokens.AccessToken)).StatusCode);
        var sessionRefusedAfter = await TimeUntilRefusedAsync(() => b.GetWithTokenAsync("/api/me", tokens.AccessToken));
        Assert.Equal(HttpStatusCode.NoContent, (await a.SendWithTokenAsync(HttpMethod.Delete, $"/api/me/api-keys/{key.Id}", spare.AccessToken)).StatusCode);
        var keyRefusedAfter = await TimeUntilRefusedAsync(() => b.GetWithApiKeyHeaderAsync("/api/me", key.Key));

        // B had both cached for Sessions:RevalidationSeconds (10 s); A's notice drops them at once.
        Assert.True(sessionRefusedAfter <= NoticeTime, $"session refused after {sessionRefusedAfter}");
        Assert.True(keyRefusedAfter <= NoticeTime, $"key refused after {keyRefusedAfter}");
    }

    [Fact]
    public async Task ARoleGivenOnAShowsInThePermissionsBGrantsAtOnce()
    {
        var email = await SeedPersonAsync("granted");
        using var a = Client(cluster.A);
        using var b = Client(cluster.B);
        var admin = await a.GetTokensAsync(ScaleOutCluster.AdminEmail);
        // B reads this person's permissions (none) and keeps them in its cache for Sessions:RevalidationSeconds.
        var before = await b.GetTokensAsync(email);
        Assert.DoesNotContain("audit.read", before.Scope.Split(' '));
        var userId = (await (await b.GetWithTokenAsync("/api/me", before.AccessToken)).JsonAsync()).GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.Created, (await a.SendWithTokenAsync(HttpMethod.Post, "/api/roles", admin.AccessToken, new { name = "Scale auditors", permissions = new[] { "audit.read" } })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await a.SendWithTokenAsync(HttpMethod.Put, $"/api/users/{userId}/roles", admin.AccessToken, new { roles = new[] { "Scale auditors" } })).StatusCode);

        // A token B issues now carries what B believes the person holds.
        var clock = Stopwatch.StartNew();
        while (!(await b.GetTokensAsync(email)).Scope.Split(' ').Contains("audit.read") && clock.Elapsed < TimeSpan.FromSeconds(15))
        {
        }

        Assert.True(clock.Elapsed <= NoticeTime, $"B granted audit.read after {clock.Elapsed}");
    }

    [Fact]
    public async Task ARefreshRaceSplitAcrossAAndBHasExactlyOneWinner()
    {
        var email = await SeedPersonAsync("refresh-race");
        using var a = Client(cluster.A);
        using var b = Client(cluster.B);
        for (var round = 0; round < 5; round++)
        {
            var tokens = await a.GetTokensAsync(email);
            var answers = await Task.WhenAll(a.RefreshGrantAsync(tokens.RefreshToken), b.RefreshGrantAsync(tokens.RefreshToken));
            Assert.Equal(1, answers.Count(r => r.StatusCode == HttpStatusCode.OK));
            Assert.Equal(1, answers.Count(r => r.StatusCode == HttpStatusCode.BadRequest));
        }
    }

    [Fact]
    public async Task WrongPasswordsSentToBothInstancesAtOnceLockAfterExactlyTheLimit()
    {
        var email = await SeedPersonAsync("lockout");
        using var a = Client(cluster.A);
        using var b = Client(cluster.B);
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => (i % 2 == 0 ? a : b).PasswordGrantAsync(email, "not the password")));
        Assert.All(answers, r => Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode));

        await using var db = Database();
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Email == email);
        var checkedPasswords = await db.AuditEvents.CountAsync(e => e.TargetId == user.Id && e.Action == "signin.failed" && e.Details!.Contains("bad_password"));
        Assert.Equal(5, checkedPasswords); // Lockout:MaxFailedAttempts
        Assert.Equal(1, await db.AuditEvents.CountAsync(e => e.TargetId == user.Id && e.Action == "user.locked_out"));
        Assert.True(user.LockoutEnd > DateTimeOffset.UtcNow);
        // The right password is refused now, on either instance.
        Assert.Equal(HttpStatusCode.BadRequest, (await b.PasswordGrantAsync(email)).StatusCode);
    }

    [Fact]
    public async Task ATotpCodeUsedOnAIsRefusedOnB()
    {
        var email = await SeedPersonAsync("totp");
        string sharedKey;
        // Turning 2FA on is a page's work; an in-process instance on the same database and key ring does it.
        using (var third = new PortalFactory(null, new Dictionary<string, string?>
        {
            ["Database:Provider"] = "Postgres",
            ["ConnectionStrings:AuthPortal"] = cluster.ConnectionString,
            ["DataProtection:CertificatePath"] = Path.Combine(cluster.Directory_, "keyring.pfx"),
        }))
        {
            var user = await third.WithDbAsync(db => db.Users.SingleAsync(u => u.Email == email));
            var self = third.Services.GetRequiredService<SelfService>();
            var setup = await self.BeginAuthenticatorSetupAsync(user.Id);
            sharedKey = setup.SharedKey;
            Assert.NotNull((await self.EnableAuthenticatorAsync(user.Id, Totp.Code(sharedKey, DateTimeOffset.UtcNow))).RecoveryCodes);
        }
        using var a = Client(cluster.A);
        using var b = Client(cluster.B);
        var code = Totp.NextCode(sharedKey, DateTimeOffset.UtcNow);

        Assert.Equal(HttpStatusCode.OK, (await a.PasswordGrantAsync(email, otp: code)).StatusCode);
        var replay = await b.PasswordGrantAsync(email, otp: code);

        Assert.Equal(HttpStatusCode.BadRequest, replay.StatusCode);
    }

    [Fact]
    public async Task TheAuditChainVerifiesAfterConcurrentWritesOnBoth()
    {
        var email = await SeedPersonAsync("chain");
        using var a = Client(cluster.A);
        using var b = Client(cluster.B);
        await using var db = Database();
        var before = await db.AuditEvents.CountAsync();

        // 60 writes at once, half on each instance: token grants (sign-in, session, token events) and failed sign-ins.
        var answers = await Task.WhenAll(Enumerable.Range(0, 60).Select(i =>
            (i % 2 == 0 ? a : b).PasswordGrantAsync(i % 3 == 0 ? $"nobody-{i}@scale.test" : email)));
        Assert.DoesNotContain(answers, r => (int)r.StatusCode >= 500);

        Assert.True(await db.AuditEvents.CountAsync() >= before + 60);
        var admin = await a.GetTokensAsync(ScaleOutCluster.AdminEmail);
        foreach (var instance in new[] { a, b })
        {
            var verdict = await (await instance.GetWithTokenAsync("/api/audit/verify", admin.AccessToken)).JsonAsync();
            Assert.True(verdict.GetProperty("intact").GetBoolean(), verdict.ToString());
        }
    }

    [Fact]
    [Trait("Category", "E2E")]
    public async Task ALivePageThroughNginxLeavesWithinTwoSecondsWhenItsSessionIsRevokedThroughTheOtherInstance()
    {
        var email = await SeedPersonAsync("live-page");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(DebianChromium.LaunchOptions());
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = cluster.ProxyUrl });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        // The circuit must run over a WebSocket through nginx, not fall back to long polling.
        var circuitSockets = new System.Collections.Concurrent.ConcurrentBag<string>();
        page.WebSocket += (_, socket) => circuitSockets.Add(socket.Url);
        var login = new E2E.LoginPage(page);
        await login.OpenAsync();
        await login.SignInAsync(email, Accounts.Password);
        await page.WaitForUrlAsync(url => !url.Contains("/Account/Login", StringComparison.Ordinal));
        // The sessions page, live: its circuit (a WebSocket through nginx) runs on the instance nginx keeps this browser on.
        var document = await page.GotoAsync("/sessions");
        await new E2E.Shell(page).WaitUntilInteractiveAsync();
        var serving = cluster.ByPort(int.Parse((await document!.HeaderValueAsync("x-upstream"))!.Split(':')[^1], System.Globalization.CultureInfo.InvariantCulture));
        using var other = Client(cluster.Other(serving));
        var tokens = await other.GetTokensAsync(email);
        var sessions = (await (await other.GetWithTokenAsync("/api/me/sessions", tokens.AccessToken)).JsonAsync()).GetProperty("items");
        var browserSession = sessions.EnumerateArray().Single(s => s.GetProperty("kind").GetString() == "Browser").GetProperty("id").GetString();

        var clock = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.NoContent, (await other.SendWithTokenAsync(HttpMethod.Delete, $"/api/me/sessions/{browserSession}", tokens.AccessToken)).StatusCode);
        await page.WaitForUrlAsync(url => url.Contains("/Account/Login", StringComparison.Ordinal), new() { Timeout = 10_000 });
        clock.Stop();

        Assert.True(clock.Elapsed <= TimeSpan.FromSeconds(2), $"the page left after {clock.Elapsed}");
        Assert.Contains(circuitSockets, url => url.StartsWith(cluster.ProxyUrl.Replace("http", "ws", StringComparison.Ordinal) + "/_blazor", StringComparison.Ordinal));
    }

    private sealed record CreatedKey(string Id, string Key);

    private static async Task<CreatedKey> CreateKeyAsync(HttpClient client, string token)
    {
        var response = await client.SendWithTokenAsync(HttpMethod.Post, "/api/me/api-keys", token, new { name = "scale", scopes = Array.Empty<string>(), expiresInDays = 7 });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var json = await response.JsonAsync();
        return new CreatedKey(json.GetProperty("id").GetString()!, json.GetProperty("key").GetString()!);
    }

    private static async Task<TimeSpan> TimeUntilRefusedAsync(Func<Task<HttpResponseMessage>> request)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            if ((await request()).StatusCode == HttpStatusCode.Unauthorized)
            {
                return clock.Elapsed;
            }
        }
        return TimeSpan.MaxValue;
    }
}

/// <summary>The cluster's processes run alone: they measure propagation times that a busy machine would blur.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ScaleOutCollection
{
    public const string Name = "ScaleOut";
}
