using System.Text.Json;
using AuthPortal.Features.ServiceAccounts;

namespace AuthPortal.Tests.Features.ServiceAccounts;

/// <summary>Service accounts over the real app: made by an administrator, used through keys, stopped by disabling, never signing in.</summary>
public sealed class ServiceAccountsApiTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    private async Task<(HttpClient Client, string Token)> AdminAsync()
    {
        var client = factory.CreatePortalClient();
        return (client, (await client.GetTokensAsync(DefaultPortal.AdminEmail)).AccessToken);
    }

    private async Task EnsureRoleAsync(string name, params string[] permissions)
    {
        if (!await factory.WithDbAsync(db => db.Roles.AnyAsync(r => r.Name == name)))
        {
            await factory.CreateRoleAsync(name, permissions);
        }
    }

    private static async Task<JsonElement> CreatedAsync(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.JsonAsync();
    }

    /// <summary>A service account holding <paramref name="role"/>, and a key for it with <paramref name="scopes"/>.</summary>
    private async Task<(string Id, string Key)> AccountWithKeyAsync(HttpClient admin, string token, string name, string role, params string[] scopes)
    {
        var account = await CreatedAsync(await admin.SendWithTokenAsync(HttpMethod.Post, "/api/service-accounts", token,
            new { name, description = "made by a test", roles = new[] { role } }));
        var id = account.GetProperty("id").GetString()!;
        var key = await CreatedAsync(await admin.SendWithTokenAsync(HttpMethod.Post, $"/api/service-accounts/{id}/api-keys", token,
            new { name = "deploy key", scopes, expiresInDays = 30 }));
        return (id, key.GetProperty("key").GetString()!);
    }

    [Fact]
    public async Task AServiceAccountsKeysWorkOnTheApiAndForClientCredentialsAndItActsAsAServiceAccount()
    {
        await EnsureRoleAsync("Auditor", Permissions.UsersRead);
        var (admin, token) = await AdminAsync();
        var administratorsBefore = await factory.WithDbAsync(db => SystemRoles.CountAdministratorsAsync(db));

        var (id, key) = await AccountWithKeyAsync(admin, token, "ci-deploy", "Auditor", Permissions.UsersRead);

        var details = await (await admin.GetWithTokenAsync($"/api/service-accounts/{id}", token)).JsonAsync();
        Assert.Equal(["users.read"], details.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()));
        var me = await (await admin.GetWithTokenAsync("/api/me", key)).JsonAsync();
        Assert.Equal("ci-deploy", me.GetProperty("userName").GetString());
        // Its key carries its permission to a users.read endpoint, through either header.
        Assert.Equal(HttpStatusCode.OK, (await admin.GetWithApiKeyHeaderAsync($"/api/users/{id}/sessions", key)).StatusCode);
        // A change it makes is recorded as the service account's.
        Assert.Equal(HttpStatusCode.OK, (await admin.SendWithTokenAsync(HttpMethod.Patch, "/api/me", key, new { timeZone = "Europe/Paris" })).StatusCode);
        Assert.True(await factory.WithDbAsync(db => db.AuditEvents.AnyAsync(e =>
            e.Action == AuditActions.ProfileUpdated && e.ActorUserId == id && e.ActorKind == ActorKind.ServiceAccount)));

        // client_credentials: a short token with the key's scope, also recorded as the service account.
        var exchange = await admin.PostAsync("/api/auth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_secret"] = key,
        }));
        var exchanged = await exchange.TokensAsync();
        Assert.Equal("users.read", exchanged.Scope);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetWithTokenAsync($"/api/users/{id}/sessions", exchanged.AccessToken)).StatusCode);
        Assert.True(await factory.WithDbAsync(db => db.AuditEvents.AnyAsync(e =>
            e.Action == AuditActions.SignInSucceeded && e.ActorUserId == id && e.ActorKind == ActorKind.ServiceAccount)));

        // Neither its key nor a token exchanged for it can mint more keys.
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.SendWithTokenAsync(HttpMethod.Post, "/api/me/api-keys", key,
            new { name = "more", scopes = Array.Empty<string>(), expiresInDays = 7 })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.SendWithTokenAsync(HttpMethod.Post, "/api/me/api-keys", exchanged.AccessToken,
            new { name = "more", scopes = Array.Empty<string>(), expiresInDays = 7 })).StatusCode);
        // It has no password to change, and it is listed with service accounts, not people.
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.SendWithTokenAsync(HttpMethod.Post, "/api/me/password", key,
            new { currentPassword = "anything at all", newPassword = "a brand new passphrase 42" })).StatusCode);
        Assert.Equal(0, (await factory.Services.GetRequiredService<UserDirectory>().SearchAsync("ci-deploy", 1, 25, UserSort.Email, false)).Total);
        var list = await (await admin.GetWithTokenAsync("/api/service-accounts?search=ci-dep", token)).JsonAsync();
        var row = Assert.Single(list.GetProperty("items").EnumerateArray());
        Assert.Equal(1, row.GetProperty("activeKeys").GetInt32());
        Assert.Equal(administratorsBefore, await factory.WithDbAsync(db => SystemRoles.CountAdministratorsAsync(db)));
    }

    [Fact]
    public async Task AServiceAccountCannotSignInAndGuessesAtItsNameDoNotLockItsKeysOut()
    {
        await EnsureRoleAsync("Auditor", Permissions.UsersRead);
        var (admin, token) = await AdminAsync();
        var (_, key) = await AccountWithKeyAsync(admin, token, "nightly-report", "Auditor", Permissions.UsersRead);

        for (var i = 0; i < 8; i++)
        {
            var grant = await admin.PasswordGrantAsync("nightly-report", "guess-" + i);
            Assert.Equal("invalid_grant", await grant.ErrorCodeAsync());
        }
        var page = await admin.SignInAsync("nightly-report", "guess");
        Assert.NotEqual(HttpStatusCode.Redirect, page.StatusCode);
        Assert.DoesNotContain(page.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [], c => c.Contains(".AspNetCore.Identity.Application", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.OK, (await admin.GetWithTokenAsync("/api/me", key)).StatusCode);
        Assert.False(await factory.WithDbAsync(db => db.Users.AnyAsync(u => u.UserName == "nightly-report" && (u.LockoutEnd != null || u.AccessFailedCount > 0))));
    }

    [Fact]
    public async Task DisablingAServiceAccountStopsEveryKeyAndTokenAtOnceAndEnablingRestoresThem()
    {
        await EnsureRoleAsync("Auditor", Permissions.UsersRead);
        var (admin, token) = await AdminAsync();
        var (id, key) = await AccountWithKeyAsync(admin, token, "agent-7", "Auditor", Permissions.UsersRead);
        var exchanged = await (await admin.PostAsync("/api/auth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_secret"] = key,
        }))).TokensAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.GetWithTokenAsync("/api/me", key)).StatusCode); // cached now
        Assert.Equal(HttpStatusCode.OK, (await admin.GetWithTokenAsync("/api/me", exchanged.AccessToken)).StatusCode);

        var disabled = await admin.SendWithTokenAsync(HttpMethod.Patch, $"/api/service-accounts/{id}", token, new { disabled = true });

        Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await admin.GetWithTokenAsync("/api/me", key)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await admin.GetWithTokenAsync("/api/me", exchanged.AccessToken)).StatusCode);
        Assert.Equal("invalid_client", await (await admin.PostAsync("/api/auth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_secret"] = key,
        }))).ErrorCodeAsync());
        // A disabled account gets no new keys either.
        Assert.Equal(HttpStatusCode.Conflict, (await admin.SendWithTokenAsync(HttpMethod.Post, $"/api/service-accounts/{id}/api-keys", token,
            new { name = "another", scopes = new[] { Permissions.UsersRead }, expiresInDays = 7 })).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await admin.SendWithTokenAsync(HttpMethod.Patch, $"/api/service-accounts/{id}", token, new { disabled = false })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetWithTokenAsync("/api/me", key)).StatusCode);
        Assert.True(await factory.WithDbAsync(db => db.AuditEvents.AnyAsync(e => e.Action == AuditActions.UserDisabled && e.TargetId == id)));
    }

    [Fact]
    public async Task TakingARoleAwayNarrowsItsKeysAtOnceAndDeletingItEndsThem()
    {
        await EnsureRoleAsync("Auditor", Permissions.UsersRead);
        var (admin, token) = await AdminAsync();
        var (id, key) = await AccountWithKeyAsync(admin, token, "exporter", "Auditor", Permissions.UsersRead);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetWithTokenAsync($"/api/users/{id}/sessions", key)).StatusCode);

        var changed = await (await admin.SendWithTokenAsync(HttpMethod.Patch, $"/api/service-accounts/{id}", token, new { roles = Array.Empty<string>() })).JsonAsync();

        Assert.Empty(changed.GetProperty("permissions").EnumerateArray());
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.GetWithTokenAsync($"/api/users/{id}/sessions", key)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.SendWithTokenAsync(HttpMethod.Delete, $"/api/service-accounts/{id}", token)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await admin.GetWithTokenAsync("/api/me", key)).StatusCode);
        Assert.False(await factory.WithDbAsync(db => db.ApiKeys.AnyAsync(k => k.UserId == id)));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetWithTokenAsync($"/api/service-accounts/{id}", token)).StatusCode);
    }

    [Fact]
    public async Task BadInputNamesTheFieldAndChangesNothing()
    {
        await EnsureRoleAsync("Auditor", Permissions.UsersRead);
        var (admin, token) = await AdminAsync();
        await CreatedAsync(await admin.SendWithTokenAsync(HttpMethod.Post, "/api/service-accounts", token, new { name = "Taken-Name" }));
        var before = await factory.WithDbAsync(db => db.Users.CountAsync());

        async Task<JsonElement> ErrorsOf(object body)
        {
            var response = await admin.SendWithTokenAsync(HttpMethod.Post, "/api/service-accounts", token, body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            return (await response.JsonAsync()).GetProperty("errors");
        }

        Assert.True((await ErrorsOf(new { name = "has space" })).TryGetProperty("name", out _));
        Assert.True((await ErrorsOf(new { name = "someone@example.com" })).TryGetProperty("name", out _));
        Assert.True((await ErrorsOf(new { name = "ok-name", roles = new[] { "No Such Role" } })).TryGetProperty("roles", out _));
        Assert.True((await ErrorsOf(new { name = "ok-name", description = new string('d', 201) })).TryGetProperty("description", out _));
        Assert.True((await ErrorsOf(new { name = "ok-name", isServiceAccount = false })).TryGetProperty("isServiceAccount", out _));
        // The same name in another case is the same name.
        Assert.Equal(HttpStatusCode.Conflict, (await admin.SendWithTokenAsync(HttpMethod.Post, "/api/service-accounts", token, new { name = "taken-name" })).StatusCode);
        // A person's id is not a service account's.
        var personId = await factory.WithDbAsync(db => db.Users.Where(u => u.Email == DefaultPortal.AdminEmail).Select(u => u.Id).SingleAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetWithTokenAsync($"/api/service-accounts/{personId}", token)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.SendWithTokenAsync(HttpMethod.Patch, $"/api/service-accounts/{personId}", token, new { disabled = true })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.SendWithTokenAsync(HttpMethod.Delete, $"/api/service-accounts/{personId}", token)).StatusCode);

        Assert.Equal(before, await factory.WithDbAsync(db => db.Users.CountAsync()));
        Assert.False(await factory.WithDbAsync(db => db.Users.AnyAsync(u => u.Id == personId && u.DisabledAt != null)));
    }

    [Fact]
    public async Task NobodyHandsOutMoreThanTheyHold()
    {
        await EnsureRoleAsync("Auditor", Permissions.UsersRead);
        await EnsureRoleAsync("User admin", Permissions.UsersRead, Permissions.UsersWrite);
        await EnsureRoleAsync("Log reader", Permissions.AuditRead);
        var userAdmin = await factory.CreateUserAsync("user-admin@example.com");
        await factory.AddToRoleAsync(userAdmin, "User admin");
        var reader = await factory.CreateUserAsync("reader-only@example.com");
        await factory.AddToRoleAsync(reader, "Auditor");
        var client = factory.CreatePortalClient();
        var userAdminToken = (await client.GetTokensAsync("user-admin@example.com")).AccessToken;
        var readerToken = (await client.GetTokensAsync("reader-only@example.com")).AccessToken;
        var (admin, adminToken) = await AdminAsync();

        // Without users.write: 403, whatever the body.
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendWithTokenAsync(HttpMethod.Post, "/api/service-accounts", readerToken, new { name = "sneaky" })).StatusCode);
        // A role granting what the administrator lacks cannot be given, nor taken away.
        var refused = await client.SendWithTokenAsync(HttpMethod.Post, "/api/service-accounts", userAdminToken, new { name = "escalator", roles = new[] { SystemRoles.Administrator } });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("roles.manage", (await refused.JsonAsync()).GetProperty("errors").GetProperty("roles")[0].GetString());
        var strong = await CreatedAsync(await admin.SendWithTokenAsync(HttpMethod.Post, "/api/service-accounts", adminToken,
            new { name = "log-shipper", roles = new[] { "Log reader", "Auditor" } }));
        var strongId = strong.GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendWithTokenAsync(HttpMethod.Patch, $"/api/service-accounts/{strongId}", userAdminToken,
            new { roles = new[] { "Auditor" } })).StatusCode);
        // A key gets only scopes both hold: audit.read is the account's but not this administrator's.
        var keyRefused = await client.SendWithTokenAsync(HttpMethod.Post, $"/api/service-accounts/{strongId}/api-keys", userAdminToken,
            new { name = "k", scopes = new[] { Permissions.AuditRead }, expiresInDays = 7 });
        Assert.Equal(HttpStatusCode.BadRequest, keyRefused.StatusCode);
        Assert.True((await keyRefused.JsonAsync()).GetProperty("errors").TryGetProperty("scopes", out _));
        Assert.Equal(HttpStatusCode.Created, (await client.SendWithTokenAsync(HttpMethod.Post, $"/api/service-accounts/{strongId}/api-keys", userAdminToken,
            new { name = "k", scopes = new[] { Permissions.UsersRead }, expiresInDays = 7 })).StatusCode);
        // Nor more than the token they call with carries: scoped to users.write, this administrator cannot hand out users.read.
        var narrowToken = (await client.GetTokensAsync("user-admin@example.com", scope: Permissions.UsersWrite)).AccessToken;
        var beyondToken = await client.SendWithTokenAsync(HttpMethod.Post, $"/api/service-accounts/{strongId}/api-keys", narrowToken,
            new { name = "k2", scopes = new[] { Permissions.UsersRead }, expiresInDays = 7 });
        Assert.Equal(HttpStatusCode.BadRequest, beyondToken.StatusCode);
        Assert.True((await beyondToken.JsonAsync()).GetProperty("errors").TryGetProperty("scopes", out _));
        Assert.Equal(1, await factory.WithDbAsync(db => db.ApiKeys.CountAsync(k => k.UserId == strongId)));

        var roles = await factory.WithDbAsync(db => db.UserRoles.CountAsync(ur => ur.UserId == strongId));
        Assert.Equal(2, roles);
        Assert.False(await factory.WithDbAsync(db => db.Users.AnyAsync(u => u.UserName == "escalator" || u.UserName == "sneaky")));
    }
}
