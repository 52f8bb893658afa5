using System.Text.Json;

namespace AuthPortal.Tests.Features.Roles;

/// <summary>System roles over the real app: the matrix, composites, wildcards, the built-in Administrator and its last holder.</summary>
public sealed class RolesApiTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    private async Task<(HttpClient Client, string Token)> AdminAsync()
    {
        var client = factory.CreatePortalClient();
        return (client, (await client.GetTokensAsync(DefaultPortal.AdminEmail)).AccessToken);
    }

    private static async Task<JsonElement> OkJsonAsync(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        Assert.True(response.StatusCode == expected, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.JsonAsync();
    }

    private static IReadOnlyList<string> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToList();

    private async Task<string> UserIdAsync(string email) =>
        await factory.WithDbAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync());

    [Fact]
    public async Task ARoleIncludesOthersAndWildcardsAndItsHoldersGetTheUnionAtOnce()
    {
        var (admin, token) = await AdminAsync();
        var readers = await OkJsonAsync(await admin.SendWithTokenAsync(HttpMethod.Post, "/api/roles", token,
            new { name = "Readers", description = "Read users", permissions = new[] { "users.read" } }), HttpStatusCode.Created);
        var support = await OkJsonAsync(await admin.SendWithTokenAsync(HttpMethod.Post, "/api/roles", token,
            new { name = "Support", permissions = new[] { "audit.*" }, includes = new[] { "Readers" } }), HttpStatusCode.Created);
        Assert.Equal(["audit.read", "users.read"], Strings(support.GetProperty("effectivePermissions")));

        var person = await factory.CreateUserAsync("support-person@example.com");
        var client = factory.CreatePortalClient();
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetWithTokenAsync($"/api/users/{person.Id}/sessions",
            (await client.GetTokensAsync("support-person@example.com")).AccessToken)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.SendWithTokenAsync(HttpMethod.Put, $"/api/users/{person.Id}/roles", token, new { roles = new[] { "Support" } })).StatusCode);

        var personToken = (await client.GetTokensAsync("support-person@example.com")).AccessToken;
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync($"/api/users/{person.Id}/sessions", personToken)).StatusCode);
        var explained = await factory.Services.GetRequiredService<UserPermissions>().ExplainAsync(person.Id);
        Assert.Contains(explained, s => s.Permission == "users.read" && s.Path.SequenceEqual(["Support", "Readers"]) && s.Grant == "users.read");
        Assert.Contains(explained, s => s.Permission == "audit.read" && s.Path.SequenceEqual(["Support"]) && s.Grant == "audit.*");

        // Editing an included role reaches the holders of the role that includes it, on their next request with the same token.
        var readersId = readers.GetProperty("id").GetString();
        await OkJsonAsync(await admin.SendWithTokenAsync(HttpMethod.Put, $"/api/roles/{readersId}", token, new { name = "Readers", permissions = Array.Empty<string>() }));
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetWithTokenAsync($"/api/users/{person.Id}/sessions", personToken)).StatusCode);

        // Deleting a role takes it from its holders.
        Assert.Equal(HttpStatusCode.NoContent, (await admin.SendWithTokenAsync(HttpMethod.Delete, $"/api/roles/{support.GetProperty("id").GetString()}", token)).StatusCode);
        var me = await (await client.GetWithTokenAsync("/api/me", personToken)).JsonAsync();
        Assert.Empty(me.GetProperty("permissions").EnumerateArray());
        Assert.True(await factory.WithDbAsync(db => db.AuditEvents.AnyAsync(e => e.Action == AuditActions.RoleAssigned && e.TargetId == person.Id)));
        Assert.True(await factory.WithDbAsync(db => db.AuditEvents.AnyAsync(e => e.Action == AuditActions.RoleDeleted)));
    }

    [Fact]
    public async Task CyclesUnknownPermissionsAndTheBuiltInRoleAreRefusedAndChangeNothing()
    {
        var (admin, token) = await AdminAsync();
        var a = await OkJsonAsync(await admin.SendWithTokenAsync(HttpMethod.Post, "/api/roles", token, new { name = "Cycle A" }), HttpStatusCode.Created);
        await OkJsonAsync(await admin.SendWithTokenAsync(HttpMethod.Post, "/api/roles", token, new { name = "Cycle B", includes = new[] { "Cycle A" } }), HttpStatusCode.Created);
        var before = await factory.WithDbAsync(db => db.RoleInclusions.CountAsync());

        async Task<JsonElement> Errors(HttpMethod method, string path, object body)
        {
            var response = await admin.SendWithTokenAsync(method, path, token, body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            return (await response.JsonAsync()).GetProperty("errors");
        }

        var aId = a.GetProperty("id").GetString();
        Assert.True((await Errors(HttpMethod.Put, $"/api/roles/{aId}", new { name = "Cycle A", includes = new[] { "Cycle B" } })).TryGetProperty("includes", out _));
        Assert.True((await Errors(HttpMethod.Put, $"/api/roles/{aId}", new { name = "Cycle A", includes = new[] { "Cycle A" } })).TryGetProperty("includes", out _));
        Assert.True((await Errors(HttpMethod.Post, "/api/roles", new { name = "Bad", permissions = new[] { "users.fly" } })).TryGetProperty("permissions", out _));
        Assert.True((await Errors(HttpMethod.Post, "/api/roles", new { name = "Bad", permissions = new[] { "nothing.*" } })).TryGetProperty("permissions", out _));
        Assert.True((await Errors(HttpMethod.Post, "/api/roles", new { name = "Bad", includes = new[] { SystemRoles.Administrator } })).TryGetProperty("includes", out _));
        Assert.True((await Errors(HttpMethod.Post, "/api/roles", new { name = " " })).TryGetProperty("name", out _));
        Assert.True((await Errors(HttpMethod.Post, "/api/roles", new { name = "Bad", isBuiltIn = true })).TryGetProperty("isBuiltIn", out _));
        Assert.Equal(HttpStatusCode.Conflict, (await admin.SendWithTokenAsync(HttpMethod.Post, "/api/roles", token, new { name = "cycle a" })).StatusCode);

        var adminRoleId = await factory.WithDbAsync(db => db.Roles.Where(r => r.Name == SystemRoles.Administrator).Select(r => r.Id).SingleAsync());
        Assert.Equal(HttpStatusCode.Conflict, (await admin.SendWithTokenAsync(HttpMethod.Put, $"/api/roles/{adminRoleId}", token, new { name = "Boss" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.SendWithTokenAsync(HttpMethod.Delete, $"/api/roles/{adminRoleId}", token)).StatusCode);

        Assert.Equal(before, await factory.WithDbAsync(db => db.RoleInclusions.CountAsync()));
        Assert.False(await factory.WithDbAsync(db => db.Roles.AnyAsync(r => r.Name == "Bad" || r.Name == "Boss")));
        var administrator = await OkJsonAsync(await admin.GetWithTokenAsync($"/api/roles/{adminRoleId}", token));
        Assert.Equal(Permissions.System.Select(p => p.Name).Order(StringComparer.Ordinal), Strings(administrator.GetProperty("effectivePermissions")));
    }

    [Fact]
    public async Task ARoleManagerCannotGiveOrMakeMoreThanTheyHold()
    {
        await factory.CreateRoleAsync("Role managers", Permissions.RolesManage);
        var manager = await factory.CreateUserAsync("role-manager@example.com");
        await factory.AddToRoleAsync(manager, "Role managers");
        var client = factory.CreatePortalClient();
        var token = (await client.GetTokensAsync("role-manager@example.com")).AccessToken;
        var target = await factory.CreateUserAsync("would-be-admin@example.com");

        var wider = await client.SendWithTokenAsync(HttpMethod.Post, "/api/roles", token, new { name = "Everything", permissions = new[] { "users.*" } });
        Assert.Equal(HttpStatusCode.BadRequest, wider.StatusCode);
        var promote = await client.SendWithTokenAsync(HttpMethod.Put, $"/api/users/{target.Id}/roles", token, new { roles = new[] { SystemRoles.Administrator } });
        Assert.Equal(HttpStatusCode.BadRequest, promote.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendWithTokenAsync(HttpMethod.Put, $"/api/users/{manager.Id}/roles", token, new { roles = new[] { SystemRoles.Administrator } })).StatusCode);

        Assert.False(await factory.WithDbAsync(db => db.UserRoles.AnyAsync(ur => ur.UserId == target.Id)));
        Assert.False(await factory.WithDbAsync(db => db.Roles.AnyAsync(r => r.Name == "Everything")));
    }

    [Fact]
    public async Task AScopedTokenOrKeyGivesNoMoreThanItsScopeThoughItsOwnerHoldsEverything()
    {
        var (client, _) = await AdminAsync();
        var narrow = (await client.GetTokensAsync(DefaultPortal.AdminEmail, scope: "roles.manage users.write")).AccessToken;
        var target = await factory.CreateUserAsync("scoped-target@example.com");
        await factory.CreateRoleAsync("Scoped readers", Permissions.UsersRead);

        // The administrator holds everything; this token carries roles.manage and users.write only.
        var promote = await client.SendWithTokenAsync(HttpMethod.Put, $"/api/users/{target.Id}/roles", narrow, new { roles = new[] { SystemRoles.Administrator } });
        Assert.Equal(HttpStatusCode.BadRequest, promote.StatusCode);
        Assert.Contains("audit.read", (await promote.JsonAsync()).GetProperty("errors").GetProperty("roles")[0].GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendWithTokenAsync(HttpMethod.Post, "/api/roles", narrow,
            new { name = "Scoped everything", permissions = new[] { "users.*" } })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendWithTokenAsync(HttpMethod.Post, "/api/users", narrow,
            new { email = "scoped-made@example.com", roles = new[] { SystemRoles.Administrator } })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendWithTokenAsync(HttpMethod.Post, "/api/service-accounts", narrow,
            new { name = "scoped-escalator", roles = new[] { SystemRoles.Administrator } })).StatusCode);
        // Nor takes away, changes or deletes what it could not give.
        var readers = await factory.WithDbAsync(db => db.Roles.Where(r => r.Name == "Scoped readers").Select(r => r.Id).SingleAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendWithTokenAsync(HttpMethod.Delete, $"/api/roles/{readers}", narrow)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendWithTokenAsync(HttpMethod.Put, $"/api/roles/{readers}", narrow,
            new { name = "Scoped readers", permissions = Array.Empty<string>() })).StatusCode);

        Assert.False(await factory.WithDbAsync(db => db.UserRoles.AnyAsync(ur => ur.UserId == target.Id)));
        Assert.False(await factory.WithDbAsync(db => db.Roles.AnyAsync(r => r.Name == "Scoped everything")));
        Assert.False(await factory.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == "scoped-made@example.com" || u.UserName == "scoped-escalator")));
        Assert.Equal([Permissions.UsersRead], await factory.WithDbAsync(db => db.RoleClaims.Where(c => c.RoleId == readers).Select(c => c.ClaimValue!).ToListAsync()));
        // Within its scope it works: a role of users.write, given to the target.
        await OkJsonAsync(await client.SendWithTokenAsync(HttpMethod.Post, "/api/roles", narrow, new { name = "Scoped writers", permissions = new[] { Permissions.UsersWrite } }), HttpStatusCode.Created);
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendWithTokenAsync(HttpMethod.Put, $"/api/users/{target.Id}/roles", narrow, new { roles = new[] { "Scoped writers" } })).StatusCode);
    }

    [Fact]
    public async Task ARoleManagerCannotChangeOrDeleteARoleGrantingWhatTheyLack()
    {
        await factory.CreateRoleAsync("Lacking managers", Permissions.RolesManage);
        await factory.CreateRoleAsync("Settings keepers", Permissions.SettingsManage);
        var manager = await factory.CreateUserAsync("lacking-manager@example.com");
        await factory.AddToRoleAsync(manager, "Lacking managers");
        var client = factory.CreatePortalClient();
        var token = (await client.GetTokensAsync("lacking-manager@example.com")).AccessToken;
        var keepers = await factory.WithDbAsync(db => db.Roles.Where(r => r.Name == "Settings keepers").Select(r => r.Id).SingleAsync());

        // Emptying it or deleting it would take settings.manage from everyone who holds it, which this manager could not do one by one.
        var emptied = await client.SendWithTokenAsync(HttpMethod.Put, $"/api/roles/{keepers}", token, new { name = "Settings keepers", permissions = Array.Empty<string>() });
        Assert.Equal(HttpStatusCode.Forbidden, emptied.StatusCode);
        Assert.Contains("settings.manage", (await emptied.JsonAsync()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendWithTokenAsync(HttpMethod.Delete, $"/api/roles/{keepers}", token)).StatusCode);
        Assert.Equal([Permissions.SettingsManage], await factory.WithDbAsync(db => db.RoleClaims.Where(c => c.RoleId == keepers).Select(c => c.ClaimValue!).ToListAsync()));
    }

    [Fact]
    public async Task TwoAdministratorsRemovingEachOtherAtOnceLeaveOne()
    {
        using var portal = new PortalFactory(null, PortalSettings.WithAdministrator("admin-a@example.com"));
        await portal.CreateUserAsync("admin-b@example.com", administrator: true);
        var scopes = portal.Services.GetRequiredService<IServiceScopeFactory>();
        var administration = portal.Services.GetRequiredService<UserAdministration>();

        // Every pair of ways to take an administrator out of use, each pair run at once, one on each administrator.
        var ways = new (string Name, Func<string, string, Task<bool>> Run)[]
        {
            ("demote", async (target, actor) =>
            {
                await using var scope = scopes.CreateAsyncScope();
                return (await scope.ServiceProvider.GetRequiredService<RoleAdministration>().SetUserRolesAsync(actor, target, [])).Outcome == RoleOutcome.Done;
            }),
            ("lock", async (target, actor) => await administration.LockAsync(target, actor) is null),
            ("disable", async (target, actor) => await administration.DisableAsync(target, actor) is null),
            ("delete", async (target, actor) => await administration.DeleteAsync(actor, target) is (true, null)),
        };
        foreach (var (nameA, a) in ways)
        {
            foreach (var (nameB, b) in ways)
            {
                var first = await EnsureUsableAdministratorAsync(portal, "admin-a@example.com");
                var second = await EnsureUsableAdministratorAsync(portal, "admin-b@example.com");

                var results = await Task.WhenAll(Task.Run(() => a(first, second)), Task.Run(() => b(second, first)));

                Assert.True(results.Count(done => done) <= 1, $"{nameA} + {nameB}: both went through");
                var adminRoleId = await portal.WithDbAsync(db => db.Roles.Where(r => r.Name == SystemRoles.Administrator).Select(r => r.Id).SingleAsync());
                var holders = await portal.WithDbAsync(db => db.UserRoles.Where(ur => ur.RoleId == adminRoleId).Select(ur => ur.UserId).ToListAsync());
                var people = await portal.WithDbAsync(db => db.Users.Where(u => holders.Contains(u.Id)).ToListAsync());
                Assert.True(people.Any(u => u.DisabledAt is null && (u.LockoutEnd is null || u.LockoutEnd <= DateTimeOffset.UtcNow)),
                    $"{nameA} + {nameB}: no usable administrator left");
            }
        }
    }

    /// <summary>Puts an administrator back as the previous pair may have left them (demoted, locked, disabled or deleted); returns their id.</summary>
    private static async Task<string> EnsureUsableAdministratorAsync(PortalFactory portal, string email)
    {
        var user = await portal.WithDbAsync(db => db.Users.SingleOrDefaultAsync(u => u.Email == email)) ?? await portal.CreateUserAsync(email);
        await portal.WithDbAsync(db => db.Users.Where(u => u.Id == user.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.DisabledAt, (DateTimeOffset?)null).SetProperty(u => u.LockoutEnd, (DateTimeOffset?)null)));
        if (!await portal.WithDbAsync(db => db.UserRoles.AnyAsync(ur => ur.UserId == user.Id)))
        {
            await portal.AddToRoleAsync(user, SystemRoles.Administrator);
        }
        return user.Id;
    }
}
