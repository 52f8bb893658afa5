using System.Text;
using AuthPortal.Features.ApiKeys;

namespace AuthPortal.Tests.Features.ApiKeys;

/// <summary>Personal API keys over the API: made, used with either header, narrowed, refused and revoked.</summary>
public sealed class ApiKeysApiTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    private async Task<(HttpClient Client, string Token)> SignedInAsync(string email, bool administrator = false)
    {
        if (!await factory.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == email)))
        {
            await factory.CreateUserAsync(email, administrator: administrator);
        }
        var client = factory.CreatePortalClient();
        return (client, (await client.GetTokensAsync(email)).AccessToken);
    }

    private static async Task<JsonElementHolder> CreateAsync(HttpClient client, string token, object body)
    {
        var response = await client.SendWithTokenAsync(HttpMethod.Post, "/api/me/api-keys", token, body);
        return new JsonElementHolder(response, response.Content.Headers.ContentLength > 0 ? await response.JsonAsync() : default);
    }

    private sealed record JsonElementHolder(HttpResponseMessage Response, System.Text.Json.JsonElement Json);

    private static Task<HttpResponseMessage> WithKeyAsync(HttpClient client, string path, string key, bool header = false) =>
        header ? client.GetWithApiKeyHeaderAsync(path, key) : client.GetWithTokenAsync(path, key);

    [Fact]
    public async Task AKeyIsShownOnceStoredHashedAndWorksWithEitherHeader()
    {
        var (client, token) = await SignedInAsync("keyholder@example.com");

        var created = await CreateAsync(client, token, new { name = "CI job", scopes = Array.Empty<string>(), expiresInDays = 30 });

        Assert.Equal(HttpStatusCode.Created, created.Response.StatusCode);
        var key = created.Json.GetProperty("key").GetString()!;
        Assert.True(ApiKeyFormat.IsWellFormed(key));
        Assert.Equal(key[..10], created.Json.GetProperty("prefix").GetString());
        Assert.Equal(HttpStatusCode.OK, (await WithKeyAsync(client, "/api/me", key)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await WithKeyAsync(client, "/api/me", key, header: true)).StatusCode);
        var list = await (await client.GetWithTokenAsync("/api/me/api-keys", token)).Content.ReadAsStringAsync();
        Assert.Contains("CI job", list);
        Assert.DoesNotContain(key, list);
        // Neither the database files nor the logs hold the key, as bytes.
        await StoredData.AssertAbsentAsync(factory, key);
        Assert.DoesNotContain(factory.LogLines, l => l.Contains(key, StringComparison.Ordinal));
        // The owner is told, without the key.
        var notice = Assert.Single(factory.Mailbox.To("keyholder@example.com"), m => m.Subject == "A new API key was created");
        Assert.Contains(key[..10], notice.TextBody);
        Assert.DoesNotContain(key, notice.TextBody);
    }

    [Fact]
    public async Task RefusalsAre401403404409AsTheCaseMayBe()
    {
        var (client, token) = await SignedInAsync("refused@example.com");
        var key = (await CreateAsync(client, token, new { name = "narrow", scopes = Array.Empty<string>(), expiresInDays = 7 })).Json.GetProperty("key").GetString()!;

        // A checksum-invalid key: 401, with no look-up needed.
        var fake = key[..^1] + (key[^1] == 'a' ? 'b' : 'a');
        Assert.Equal(HttpStatusCode.Unauthorized, (await WithKeyAsync(client, "/api/me", fake)).StatusCode);
        // A scope the key does not have: 403.
        Assert.Equal(HttpStatusCode.Forbidden, (await WithKeyAsync(client, "/api/users/x/sessions", key)).StatusCode);
        // Scopes the owner does not hold cannot be given to a key.
        var wider = await CreateAsync(client, token, new { name = "wide", scopes = new[] { "users.read" }, expiresInDays = 7 });
        Assert.True(wider.Json.GetProperty("errors").TryGetProperty("scopes", out _));
        // Keys expire unless the portal allows otherwise, and only within ApiKeys:MaxLifetimeDays.
        Assert.True((await CreateAsync(client, token, new { name = "forever", scopes = Array.Empty<string>() })).Json.GetProperty("errors").TryGetProperty("expiresInDays", out _));
        Assert.True((await CreateAsync(client, token, new { name = "too long", scopes = Array.Empty<string>(), expiresInDays = 400 })).Json.GetProperty("errors").TryGetProperty("expiresInDays", out _));
        // Values far out of range are the same mistake, never a 500 (they would overflow a date).
        foreach (var days in new[] { 0, -1_000_000, 3_000_000, int.MaxValue, int.MinValue })
        {
            var refused = await CreateAsync(client, token, new { name = "out of range", scopes = Array.Empty<string>(), expiresInDays = days });
            Assert.Equal(HttpStatusCode.BadRequest, refused.Response.StatusCode);
            Assert.True(refused.Json.GetProperty("errors").TryGetProperty("expiresInDays", out _), $"{days}");
        }
        foreach (var at in new[] { "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z" })
        {
            var refused = await CreateAsync(client, token, new { name = "out of range", scopes = Array.Empty<string>(), expiresAt = at });
            Assert.Equal(HttpStatusCode.BadRequest, refused.Response.StatusCode);
            Assert.True(refused.Json.GetProperty("errors").TryGetProperty("expiresAt", out _), at);
        }
        Assert.False(await factory.WithDbAsync(db => db.ApiKeys.AnyAsync(k => k.Name == "out of range")));
        // Another user's key id: 404, exactly like an unknown one.
        var (other, otherToken) = await SignedInAsync("someone-else@example.com");
        var otherId = (await CreateAsync(other, otherToken, new { name = "theirs", scopes = Array.Empty<string>(), expiresInDays = 7 })).Json.GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendWithTokenAsync(HttpMethod.Delete, $"/api/me/api-keys/{otherId}", token)).StatusCode);
        // A key in the URL: 400.
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"/api/me?api_key={key}")).StatusCode);
        Assert.DoesNotContain(factory.LogLines, l => l.Contains(key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AKeyNeverHoldsMoreThanTheTokenThatMadeIt()
    {
        await SignedInAsync("scoped-maker@example.com", administrator: true);
        var client = factory.CreatePortalClient();
        var narrow = (await client.GetTokensAsync("scoped-maker@example.com", scope: "users.read org.read")).AccessToken;

        // The user holds users.write and roles.manage, but this token carries only users.read (and org.read).
        var wider = await CreateAsync(client, narrow, new { name = "wider", scopes = new[] { "users.read", "users.write" }, expiresInDays = 7 });
        Assert.Equal(HttpStatusCode.BadRequest, wider.Response.StatusCode);
        Assert.Contains("this token carries", wider.Json.GetProperty("errors").GetProperty("scopes")[0].GetString());
        var widerInOrganizations = await CreateAsync(client, narrow, new { name = "wider", scopes = new[] { "org.members.manage" }, expiresInDays = 7 });
        Assert.Equal(HttpStatusCode.BadRequest, widerInOrganizations.Response.StatusCode);
        Assert.False(await factory.WithDbAsync(db => db.ApiKeys.AnyAsync(k => k.Name == "wider")));

        // Within the token's scope it works, and the key carries what was asked.
        var within = await CreateAsync(client, narrow, new { name = "within", scopes = new[] { "users.read", "org.read" }, expiresInDays = 7 });
        Assert.Equal(HttpStatusCode.Created, within.Response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await WithKeyAsync(client, "/api/users", within.Json.GetProperty("key").GetString()!)).StatusCode);
        // A cookie-like full token still gives everything its user holds.
        var full = (await client.GetTokensAsync("scoped-maker@example.com")).AccessToken;
        Assert.Equal(HttpStatusCode.Created, (await CreateAsync(client, full, new { name = "full", scopes = new[] { "users.write" }, expiresInDays = 7 })).Response.StatusCode);
    }

    [Fact]
    public async Task ARevokedKeyStopsAtOnceEvenWhenCachedAndItsUseIsRecorded()
    {
        var (client, token) = await SignedInAsync("revoker-of-keys@example.com");
        var created = await CreateAsync(client, token, new { name = "short-lived", scopes = Array.Empty<string>(), expiresInDays = 7 });
        var key = created.Json.GetProperty("key").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await WithKeyAsync(client, "/api/me", key)).StatusCode); // now cached

        Assert.Equal(HttpStatusCode.NoContent, (await client.SendWithTokenAsync(HttpMethod.Delete, $"/api/me/api-keys/{created.Json.GetProperty("id").GetString()}", token)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await WithKeyAsync(client, "/api/me", key)).StatusCode);
        Assert.True(await factory.WithDbAsync(db => db.AuditEvents.AnyAsync(e => e.Action == AuditActions.ApiKeyRevokedUsed)));
    }

    [Fact]
    public async Task ADisabledOwnersKeysStopAtOnce()
    {
        var (client, token) = await SignedInAsync("soon-disabled@example.com");
        var key = (await CreateAsync(client, token, new { name = "k", scopes = Array.Empty<string>(), expiresInDays = 7 })).Json.GetProperty("key").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await WithKeyAsync(client, "/api/me", key)).StatusCode);
        var ownerId = await factory.WithDbAsync(db => db.Users.Where(u => u.Email == "soon-disabled@example.com").Select(u => u.Id).SingleAsync());
        var adminId = await factory.WithDbAsync(db => db.Users.Where(u => u.Email == DefaultPortal.AdminEmail).Select(u => u.Id).SingleAsync());

        Assert.Null(await factory.Services.GetRequiredService<UserAdministration>().DisableAsync(ownerId, adminId));

        Assert.Equal(HttpStatusCode.Unauthorized, (await WithKeyAsync(client, "/api/me", key)).StatusCode);
    }

    [Fact]
    public async Task GuessingTheOwnersPasswordDoesNotStopTheirKeysButAnAdministratorsLockDoes()
    {
        var (client, token) = await SignedInAsync("guessed-at@example.com");
        var key = (await CreateAsync(client, token, new { name = "k", scopes = Array.Empty<string>(), expiresInDays = 7 })).Json.GetProperty("key").GetString()!;
        for (var i = 0; i < 6; i++)
        {
            await client.PasswordGrantAsync("guessed-at@example.com", $"wrong guess {i}");
        }
        var ownerId = await factory.WithDbAsync(db => db.Users.Where(u => u.Email == "guessed-at@example.com").Select(u => u.Id).SingleAsync());
        Assert.True(await factory.WithDbAsync(db => db.Users.AnyAsync(u => u.Id == ownerId && u.LockoutEnd != null)));
        factory.Services.GetRequiredService<ApiKeyStore>().ForgetOwner(ownerId); // checked afresh, not from the cache

        Assert.Equal(HttpStatusCode.OK, (await WithKeyAsync(client, "/api/me", key)).StatusCode);

        var adminId = await factory.WithDbAsync(db => db.Users.Where(u => u.Email == DefaultPortal.AdminEmail).Select(u => u.Id).SingleAsync());
        Assert.Null(await factory.Services.GetRequiredService<UserAdministration>().LockAsync(ownerId, adminId));
        Assert.Equal(HttpStatusCode.Unauthorized, (await WithKeyAsync(client, "/api/me", key)).StatusCode);
    }

    [Fact]
    public async Task TheQuotaIsAClearConflict()
    {
        using var portal = new PortalFactory(null, PortalSettings.WithAdministrator(DefaultPortal.AdminEmail, ("ApiKeys:MaxPerUser", "2")));
        await portal.CreateUserAsync("quota@example.com");
        var client = portal.CreatePortalClient();
        var token = (await client.GetTokensAsync("quota@example.com")).AccessToken;

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 3; i++)
        {
            answers.Add(await client.SendWithTokenAsync(HttpMethod.Post, "/api/me/api-keys", token, new { name = $"k{i}", scopes = Array.Empty<string>(), expiresInDays = 7 }));
        }

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.Conflict], answers.Select(a => a.StatusCode));
        Assert.Contains("ApiKeys:MaxPerUser", await answers[2].Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AnAdministratorSeesAndRevokesAUsersKeysOnThePageAndThroughTheApi()
    {
        var (client, token) = await SignedInAsync("watched@example.com");
        var created = await CreateAsync(client, token, new { name = "watched key", scopes = Array.Empty<string>(), expiresInDays = 7 });
        var key = created.Json.GetProperty("key").GetString()!;
        var ownerId = await factory.WithDbAsync(db => db.Users.Where(u => u.Email == "watched@example.com").Select(u => u.Id).SingleAsync());
        var (admin, adminToken) = await SignedInAsync(DefaultPortal.AdminEmail);

        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetWithTokenAsync($"/api/users/{ownerId}/api-keys", token)).StatusCode);
        Assert.Contains("watched key", await (await admin.GetWithTokenAsync($"/api/users/{ownerId}/api-keys", adminToken)).Content.ReadAsStringAsync());
        var browser = factory.CreatePortalClient();
        await browser.SignInAsync(DefaultPortal.AdminEmail);
        Assert.Contains("watched key", await (await browser.GetAsync($"/admin/users/{ownerId}")).TextAsync());

        var revoked = await admin.SendWithTokenAsync(HttpMethod.Delete, $"/api/users/{ownerId}/api-keys/{created.Json.GetProperty("id").GetString()}", adminToken);

        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await WithKeyAsync(client, "/api/me", key)).StatusCode);
    }
}

/// <summary>On a clock the test moves, so the periodic writer runs only when the test says (no race with it).</summary>
public sealed class ApiKeyUsageTests(ClockPortal factory) : IClassFixture<ClockPortal>
{
    private async Task<(HttpClient Client, string Token)> SignedInAsync(string email)
    {
        await factory.CreateUserAsync(email);
        var client = factory.CreatePortalClient();
        return (client, (await client.GetTokensAsync(email)).AccessToken);
    }

    private static async Task<(HttpResponseMessage Response, System.Text.Json.JsonElement Json)> CreateAsync(HttpClient client, string token, object body)
    {
        var response = await client.SendWithTokenAsync(HttpMethod.Post, "/api/me/api-keys", token, body);
        return (response, await response.JsonAsync());
    }

    [Fact]
    public async Task UseIsRecordedInBatchesNotPerRequest()
    {
        var (client, token) = await SignedInAsync("busy-key@example.com");
        var created = await CreateAsync(client, token, new { name = "busy", scopes = Array.Empty<string>(), expiresInDays = 7 });
        var key = created.Json.GetProperty("key").GetString()!;
        var keyId = created.Json.GetProperty("id").GetString()!;
        var usage = factory.Services.GetRequiredService<ApiKeyUsage>();
        await usage.FlushAsync(); // start from an empty batch

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/api/me", key)).StatusCode);
        }
        Assert.Null(await factory.WithDbAsync(db => db.ApiKeys.Where(k => k.Id == keyId).Select(k => k.LastUsedAt).SingleAsync()));

        await usage.FlushAsync();

        var listed = (await (await client.GetWithTokenAsync("/api/me/api-keys", token)).JsonAsync()).GetProperty("items").EnumerateArray()
            .Single(k => k.GetProperty("id").GetString() == keyId);
        Assert.Equal(3, listed.GetProperty("requestsLast30Days").GetInt64());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, listed.GetProperty("lastUsedAt").ValueKind);
    }
}
