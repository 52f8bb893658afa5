using AuthPortal.Features.Audit;

namespace AuthPortal.Tests.Features.Me;

public sealed class MeApiTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    [Fact]
    public async Task EightProfileEditsOfOneAccountAtOnceAllSucceedAndOneOfThemIsWhatIsStored()
    {
        var user = await factory.CreateUserAsync("me-concurrent@example.com");
        var client = factory.CreatePortalClient();
        var token = (await client.GetTokensAsync("me-concurrent@example.com")).AccessToken;
        var names = Enumerable.Range(0, 8).Select(i => $"Concurrent {i}").ToList();

        var responses = await Task.WhenAll(names.Select(name => client.SendWithTokenAsync(HttpMethod.Patch, "/api/me", token, new { displayName = name })));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Contains(await factory.WithDbAsync(db => db.Users.Where(u => u.Id == user.Id).Select(u => u.DisplayName).SingleAsync()), names);
        var recorded = await factory.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.Action == AuditActions.ProfileUpdated && e.TargetId == user.Id));
        Assert.Equal(8, recorded);
    }

    [Fact]
    public async Task MeDescribesTheUserAndPatchChangesOnlyAllowedFields()
    {
        var user = await factory.CreateUserAsync("me-api@example.com");
        var client = factory.CreatePortalClient();
        var token = (await client.GetTokensAsync("me-api@example.com")).AccessToken;

        var me = await (await client.GetWithTokenAsync("/api/me", token)).JsonAsync();
        Assert.Equal(user.Id, me.GetProperty("id").GetString());
        Assert.Equal("me-api@example.com", me.GetProperty("email").GetString());
        foreach (var field in new[] { "userName", "displayName", "timeZone", "emailConfirmed", "twoFactorEnabled", "roles", "permissions", "organizations" })
        {
            Assert.True(me.TryGetProperty(field, out _), field);
        }

        var patched = await client.SendWithTokenAsync(HttpMethod.Patch, "/api/me", token, new { displayName = "Api Person", timeZone = "Asia/Tokyo" });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal("Api Person", (await patched.JsonAsync()).GetProperty("displayName").GetString());

        var privileged = await client.SendWithTokenAsync(HttpMethod.Patch, "/api/me", token, new { displayName = "Sneaky", roles = new[] { "Administrator" } });
        Assert.Equal(HttpStatusCode.BadRequest, privileged.StatusCode);
        Assert.Equal("application/problem+json", privileged.Content.Headers.ContentType?.MediaType);
        Assert.True((await privileged.JsonAsync()).GetProperty("errors").TryGetProperty("roles", out _));

        var badZone = await client.SendWithTokenAsync(HttpMethod.Patch, "/api/me", token, new { timeZone = "Mars/Olympus" });
        Assert.True((await badZone.JsonAsync()).GetProperty("errors").TryGetProperty("timeZone", out _));

        var stored = await factory.WithDbAsync(db => db.Users.Where(u => u.Id == user.Id).Select(u => new { u.DisplayName, u.TimeZone }).SingleAsync());
        Assert.Equal(("Api Person", "Asia/Tokyo"), (stored.DisplayName, stored.TimeZone));
        Assert.Empty(await factory.WithDbAsync(db => (from ur in db.UserRoles where ur.UserId == user.Id select ur).ToListAsync()));
    }

    [Fact]
    public async Task PasswordChangeNeedsTheCurrentPasswordAndAStrongNewOne()
    {
        await factory.CreateUserAsync("api-password@example.com");
        var client = factory.CreatePortalClient();
        var token = (await client.GetTokensAsync("api-password@example.com")).AccessToken;

        var wrongCurrent = await client.SendWithTokenAsync(HttpMethod.Post, "/api/me/password", token, new { currentPassword = "not it at all", newPassword = "violet harbor quartz lantern" });
        var weak = await client.SendWithTokenAsync(HttpMethod.Post, "/api/me/password", token, new { currentPassword = Accounts.Password, newPassword = "password1234" });

        Assert.True((await wrongCurrent.JsonAsync()).GetProperty("errors").TryGetProperty("currentPassword", out _));
        Assert.True((await weak.JsonAsync()).GetProperty("errors").TryGetProperty("newPassword", out _));
        Assert.Equal(HttpStatusCode.OK, (await client.PasswordGrantAsync("api-password@example.com")).StatusCode);
    }

    [Fact]
    public async Task GuessingTheCurrentPasswordThroughTheApiLocksTheAccount()
    {
        await factory.CreateUserAsync("api-guess@example.com");
        var client = factory.CreatePortalClient();
        var token = (await ApiClient.GetTokensAsync(client, "api-guess@example.com")).AccessToken;
        for (var i = 0; i < 5; i++)
        {
            await client.SendWithTokenAsync(HttpMethod.Post, "/api/me/password", token, new { currentPassword = $"guess number {i}", newPassword = "violet harbor quartz lantern" });
        }

        var right = await client.SendWithTokenAsync(HttpMethod.Post, "/api/me/password", token, new { currentPassword = Accounts.Password, newPassword = "violet harbor quartz lantern" });

        Assert.Equal(HttpStatusCode.BadRequest, right.StatusCode);
        Assert.Contains("locked", (await right.JsonAsync()).GetProperty("errors").GetProperty("currentPassword")[0].GetString());
    }

    [Fact]
    public async Task ANameWithHiddenCharactersIsRefusedAndAnUnnormalisedOneStoredInNfc()
    {
        await factory.CreateUserAsync("named@example.com");
        var client = factory.CreatePortalClient();
        var token = (await client.GetTokensAsync("named@example.com")).AccessToken;

        var spoofed = await client.SendWithTokenAsync(HttpMethod.Patch, "/api/me", token, new { displayName = "admin\u202Egnp.exe" });
        var decomposed = await client.SendWithTokenAsync(HttpMethod.Patch, "/api/me", token, new { displayName = "Zoe\u0308" });

        Assert.Equal(HttpStatusCode.BadRequest, spoofed.StatusCode);
        Assert.True((await spoofed.JsonAsync()).GetProperty("errors").TryGetProperty("displayName", out _));
        Assert.Equal("Zoë", (await decomposed.JsonAsync()).GetProperty("displayName").GetString());
    }
}
