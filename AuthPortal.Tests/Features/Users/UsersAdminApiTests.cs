using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace AuthPortal.Tests.Features.Users;

/// <summary>The users admin API over the real app: create (no admin-set password), read, filter, export, edit, delete.</summary>
public sealed class UsersAdminApiTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    private async Task<(HttpClient Client, string Token)> AdminAsync()
    {
        var client = factory.CreatePortalClient();
        return (client, (await client.GetTokensAsync(DefaultPortal.AdminEmail)).AccessToken);
    }

    private static async Task<JsonElement> JsonOf(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.True(response.StatusCode == expected, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return response.Content.Headers.ContentLength == 0 ? default : await response.JsonAsync();
    }

    [Fact]
    public async Task AHelpDeskReachesPlainAccountsButNotTheAdministratorsAboveIt()
    {
        await factory.CreateRoleAsync("Desk staff", Permissions.UsersRead, Permissions.UsersWrite, Permissions.UsersSessionsRevoke);
        var desk = await factory.CreateUserAsync("help-desk@example.com");
        await factory.AddToRoleAsync(desk, "Desk staff");
        var above = await factory.CreateUserAsync("above-desk@example.com", administrator: true);
        var plain = await factory.CreateUserAsync("plain-for-desk@example.com");
        var client = factory.CreatePortalClient();
        var token = (await client.GetTokensAsync("help-desk@example.com")).AccessToken;
        var (admin, adminToken) = await AdminAsync();
        var aboveKey = (await JsonOf(await client.SendWithTokenAsync(HttpMethod.Post, "/api/me/api-keys", (await client.GetTokensAsync("above-desk@example.com")).AccessToken,
            new { name = "above's key", scopes = Array.Empty<string>(), expiresInDays = 7 }), HttpStatusCode.Created)).GetProperty("id").GetString();

        // Every change to the administrator's account: 403 naming what it holds beyond the desk, and nothing happens.
        var refusals = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Patch, $"/api/users/{above.Id}", new { displayName = "Renamed by the desk" }),
            (HttpMethod.Post, $"/api/users/{above.Id}/lock", null),
            (HttpMethod.Post, $"/api/users/{above.Id}/unlock", null),
            (HttpMethod.Post, $"/api/users/{above.Id}/send-password-reset", null),
            (HttpMethod.Post, $"/api/users/{above.Id}/revoke-sessions", null),
            (HttpMethod.Delete, $"/api/users/{above.Id}/api-keys/{aboveKey}", null),
            (HttpMethod.Delete, $"/api/users/{above.Id}", null),
        };
        foreach (var (method, path, body) in refusals)
        {
            var refused = await JsonOf(await client.SendWithTokenAsync(method, path, token, body), HttpStatusCode.Forbidden);
            Assert.Contains("roles.manage", refused.GetProperty("detail").GetString());
        }
        var untouched = await factory.WithDbAsync(db => db.Users.SingleAsync(u => u.Id == above.Id));
        Assert.Null(untouched.LockoutEnd);
        Assert.NotEqual("Renamed by the desk", untouched.DisplayName);
        Assert.True(await factory.WithDbAsync(db => db.ApiKeys.AnyAsync(k => k.Id == aboveKey && k.RevokedAt == null)));
        Assert.DoesNotContain(factory.Mailbox.To("above-desk@example.com"), m => (m.Subject ?? "").Contains("password", StringComparison.OrdinalIgnoreCase));

        // A plain account is within reach; so is the administrator for an administrator.
        await JsonOf(await client.SendWithTokenAsync(HttpMethod.Post, $"/api/users/{plain.Id}/lock", token), HttpStatusCode.NoContent);
        await JsonOf(await client.SendWithTokenAsync(HttpMethod.Patch, $"/api/users/{plain.Id}", token, new { displayName = "Helped" }), HttpStatusCode.OK);
        await JsonOf(await admin.SendWithTokenAsync(HttpMethod.Post, $"/api/users/{above.Id}/lock", adminToken), HttpStatusCode.NoContent);
        // An administrator's token narrowed to users.write is a help desk too.
        var narrow = (await admin.GetTokensAsync(DefaultPortal.AdminEmail, scope: "users.write")).AccessToken;
        await JsonOf(await admin.SendWithTokenAsync(HttpMethod.Post, $"/api/users/{above.Id}/unlock", narrow), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task ACreatedUserChoosesTheirOwnPasswordFromTheEmailedLinkAndIsConfirmedByIt()
    {
        await factory.CreateRoleAsync("Help desk", Permissions.UsersRead);
        var (admin, token) = await AdminAsync();

        var created = await JsonOf(await admin.SendWithTokenAsync(HttpMethod.Post, "/api/users", token,
            new { email = "new.hire@example.com", displayName = "New Hire", roles = new[] { "Help desk" } }), HttpStatusCode.Created);

        var id = created.GetProperty("id").GetString()!;
        Assert.False(created.GetProperty("emailConfirmed").GetBoolean());
        Assert.Equal(["Help desk"], created.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Null(await factory.WithDbAsync(db => db.Users.Where(u => u.Id == id).Select(u => u.PasswordHash).SingleAsync()));
        // Nobody can sign in before the owner chooses a password.
        Assert.Equal("invalid_grant", await (await admin.PasswordGrantAsync("new.hire@example.com", "any password at all")).ErrorCodeAsync());

        var link = new Uri(factory.Mailbox.LinkIn("new.hire@example.com", "Your AuthPortal account"));
        var query = QueryHelpers.ParseQuery(link.Query);
        var reset = await admin.PostAsJsonAsync("/api/auth/reset-password", new { userId = query["userId"].ToString(), code = query["code"].ToString(), newPassword = "a passphrase of my own choosing" });
        Assert.True(reset.IsSuccessStatusCode, await reset.Content.ReadAsStringAsync());

        var tokens = await admin.GetTokensAsync("new.hire@example.com", "a passphrase of my own choosing");
        Assert.Contains("users.read", tokens.Scope);
        Assert.True(await factory.WithDbAsync(db => db.Users.Where(u => u.Id == id).Select(u => u.EmailConfirmed).SingleAsync()));
        Assert.True(await factory.WithDbAsync(db => db.AuditEvents.AnyAsync(e => e.Action == AuditActions.UserCreated && e.TargetId == id)));
    }

    [Fact]
    public async Task CreatingRefusesBadInputDuplicatesAndRolesWithoutRolesManage()
    {
        var (admin, token) = await AdminAsync();
        await factory.CreateUserAsync("already-here@example.com");
        await factory.CreateRoleAsync("Writers only", Permissions.UsersWrite);
        var writer = await factory.CreateUserAsync("writer-only@example.com");
        await factory.AddToRoleAsync(writer, "Writers only");
        var writerToken = (await admin.GetTokensAsync("writer-only@example.com")).AccessToken;
        var before = await factory.WithDbAsync(db => db.Users.CountAsync());

        var bad = await JsonOf(await admin.SendWithTokenAsync(HttpMethod.Post, "/api/users", token, new { email = "not an email" }), HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("email", out _));
        var privileged = await JsonOf(await admin.SendWithTokenAsync(HttpMethod.Post, "/api/users", token, new { email = "x@example.com", password = "chosen by admin" }), HttpStatusCode.BadRequest);
        Assert.True(privileged.GetProperty("errors").TryGetProperty("password", out _));
        await JsonOf(await admin.SendWithTokenAsync(HttpMethod.Post, "/api/users", token, new { email = "ALREADY-HERE@example.com" }), HttpStatusCode.Conflict);
        await JsonOf(await admin.SendWithTokenAsync(HttpMethod.Post, "/api/users", token, new { email = "y@example.com", roles = new[] { "No such role" } }), HttpStatusCode.BadRequest);
        await JsonOf(await admin.SendWithTokenAsync(HttpMethod.Post, "/api/users", writerToken, new { email = "z@example.com", roles = new[] { SystemRoles.Administrator } }), HttpStatusCode.Forbidden);

        Assert.Equal(before, await factory.WithDbAsync(db => db.Users.CountAsync()));
    }

    [Fact]
    public async Task FiltersNarrowTheListAndTheExportStreamsTheSameRowsAsCsv()
    {
        var (admin, token) = await AdminAsync();
        var locked = await factory.CreateUserAsync("filter-locked@example.com");
        var disabled = await factory.CreateUserAsync("filter-disabled@example.com");
        await factory.CreateUserAsync("filter-unconfirmed@example.com", confirmed: false);
        var formula = await factory.CreateUserAsync("formula@example.com");
        await factory.WithDbAsync(db => db.Users.Where(u => u.Id == formula.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.DisplayName, "=cmd|' /C calc'!A0")));
        Assert.Equal(HttpStatusCode.NoContent, (await admin.SendWithTokenAsync(HttpMethod.Post, $"/api/users/{locked.Id}/lock", token)).StatusCode);
        Assert.Null(await factory.Services.GetRequiredService<UserAdministration>().DisableAsync(disabled.Id, "test"));

        async Task<IReadOnlyList<string>> EmailsAsync(string query) =>
            (await JsonOf(await admin.GetWithTokenAsync($"/api/users?pageSize=200&{query}", token), HttpStatusCode.OK))
                .GetProperty("items").EnumerateArray().Select(u => u.GetProperty("email").GetString()!).ToList();

        Assert.Equal(["filter-locked@example.com"], await EmailsAsync("search=filter-&locked=true"));
        Assert.Equal(["filter-disabled@example.com"], await EmailsAsync("search=filter-&disabled=true"));
        Assert.Equal(["filter-unconfirmed@example.com"], await EmailsAsync("search=filter-&emailUnconfirmed=true"));
        Assert.Contains(DefaultPortal.AdminEmail, await EmailsAsync($"role={SystemRoles.Administrator}"));
        Assert.DoesNotContain("filter-locked@example.com", await EmailsAsync($"role={SystemRoles.Administrator}"));
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetWithTokenAsync("/api/users?sort=password", token)).StatusCode);

        var csv = await (await admin.GetWithTokenAsync("/api/users/export?search=filter-&disabled=true", token)).Content.ReadAsStringAsync();
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("id,email,displayName", lines[0]);
        Assert.Equal(2, lines.Length);
        Assert.Contains("filter-disabled@example.com", lines[1]);
        // A value a spreadsheet would run as a formula is written as text.
        var all = await (await admin.GetWithTokenAsync("/api/users/export?search=formula@", token)).Content.ReadAsStringAsync();
        Assert.Contains(",formula@example.com,'=cmd|' /C calc'!A0,", all);
    }

    [Fact]
    public async Task EditExplainLockAndDeleteWithTheLastAdministratorKept()
    {
        var (admin, token) = await AdminAsync();
        var person = await factory.CreateUserAsync("edited@example.com");

        var edited = await JsonOf(await admin.SendWithTokenAsync(HttpMethod.Patch, $"/api/users/{person.Id}", token, new { displayName = "Edited Name", timeZone = "Europe/Paris" }), HttpStatusCode.OK);
        Assert.Equal("Edited Name", edited.GetProperty("displayName").GetString());
        var badZone = await JsonOf(await admin.SendWithTokenAsync(HttpMethod.Patch, $"/api/users/{person.Id}", token, new { timeZone = "Mars/Olympus" }), HttpStatusCode.BadRequest);
        Assert.True(badZone.GetProperty("errors").TryGetProperty("timeZone", out _));
        var email = await JsonOf(await admin.SendWithTokenAsync(HttpMethod.Patch, $"/api/users/{person.Id}", token, new { email = "hijack@example.com" }), HttpStatusCode.BadRequest);
        Assert.True(email.GetProperty("errors").TryGetProperty("email", out _));
        Assert.Equal("edited@example.com", await factory.WithDbAsync(db => db.Users.Where(u => u.Id == person.Id).Select(u => u.Email).SingleAsync()));

        var adminId = await factory.WithDbAsync(db => db.Users.Where(u => u.Email == DefaultPortal.AdminEmail).Select(u => u.Id).SingleAsync());
        var why = await JsonOf(await admin.GetWithTokenAsync($"/api/users/{adminId}/permissions?permission=audit.read", token), HttpStatusCode.OK);
        var source = Assert.Single(Assert.Single(why.GetProperty("items").EnumerateArray()).GetProperty("sources").EnumerateArray());
        Assert.Equal(SystemRoles.Administrator, source.GetProperty("grant").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await admin.SendWithTokenAsync(HttpMethod.Post, $"/api/users/{person.Id}/send-password-reset", token)).StatusCode);
        Assert.Contains(factory.Mailbox.To("edited@example.com"), m => m.Subject == "Reset your password");

        // The only administrator can be neither demoted, nor deleted, through the API.
        await JsonOf(await admin.SendWithTokenAsync(HttpMethod.Put, $"/api/users/{adminId}/roles", token, new { roles = Array.Empty<string>() }), HttpStatusCode.Conflict);
        await JsonOf(await admin.SendWithTokenAsync(HttpMethod.Delete, $"/api/users/{adminId}", token), HttpStatusCode.Conflict);
        Assert.True(await factory.WithDbAsync(db => db.UserRoles.AnyAsync(ur => ur.UserId == adminId)));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.SendWithTokenAsync(HttpMethod.Delete, $"/api/users/{person.Id}", token)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetWithTokenAsync($"/api/users/{person.Id}", token)).StatusCode);
        Assert.True(await factory.WithDbAsync(db => db.AuditEvents.AnyAsync(e => e.TargetId == person.Id && e.Action == AuditActions.AccountDeleted)));
    }

    [Fact]
    public async Task CreatesRacingForOneEmailInAnyCaseMakeOneAccountAndTheRestAreConflicts()
    {
        var (admin, token) = await AdminAsync();
        var spellings = Enumerable.Range(0, 12).Select(i => i % 2 == 0 ? "Racing.Person@Example.com" : "racing.person@example.COM").ToList();

        var answers = await Task.WhenAll(spellings.Select(email => admin.SendWithTokenAsync(HttpMethod.Post, "/api/users", token, new { email })));

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Created);
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.Created), a => Assert.Equal(HttpStatusCode.Conflict, a.StatusCode));
        Assert.Equal(1, await factory.WithDbAsync(db => db.Users.CountAsync(u => u.NormalizedEmail == "RACING.PERSON@EXAMPLE.COM")));
    }

    [Fact]
    public async Task SearchIgnoresCaseBeyondAsciiOnEveryProvider()
    {
        var (admin, token) = await AdminAsync();
        var user = await factory.CreateUserAsync("umlaut-person@example.com");
        await factory.WithDbAsync(db => db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(u => u.SetProperty(x => x.DisplayName, "Jörg Ärgerlich")));

        foreach (var term in new[] { "JÖRG", "jörg", "ärgerlich", "ÄRGER", "UMLAUT-PERSON" })
        {
            var page = await JsonOf(await admin.GetWithTokenAsync($"/api/users?search={Uri.EscapeDataString(term)}", token), HttpStatusCode.OK);
            Assert.True(page.GetProperty("items").EnumerateArray().Any(u => u.GetProperty("id").GetString() == user.Id), $"{term} on {TestDatabase.Name}");
        }
    }
}
