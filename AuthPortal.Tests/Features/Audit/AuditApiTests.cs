using System.Text.Json;

namespace AuthPortal.Tests.Features.Audit;

/// <summary>The audit log over the API: filters, the streamed export, the organization view, retention on a moved clock.</summary>
public sealed class AuditApiTests(ClockPortal factory) : IClassFixture<ClockPortal>
{
    private async Task<(HttpClient Client, string Token)> AdminAsync()
    {
        var client = factory.CreatePortalClient();
        return (client, (await client.GetTokensAsync(DefaultPortal.AdminEmail)).AccessToken);
    }

    [Fact]
    public async Task FiltersFindAFailedSignInAndTheExportHasTheSameRows()
    {
        var (admin, token) = await AdminAsync();
        await factory.CreateUserAsync("audited@example.com");
        Assert.Equal("invalid_grant", await (await admin.PasswordGrantAsync("audited@example.com", "not the password")).ErrorCodeAsync());

        var page = await (await admin.GetWithTokenAsync("/api/audit?action=signin.failed&succeeded=false&pageSize=50", token)).JsonAsync();
        var items = page.GetProperty("items").EnumerateArray().ToList();
        Assert.NotEmpty(items);
        Assert.All(items, i => Assert.Equal("signin.failed", i.GetProperty("action").GetString()));
        Assert.All(items, i => Assert.False(i.GetProperty("succeeded").GetBoolean()));
        Assert.Equal(JsonValueKind.Object, items[0].GetProperty("details").ValueKind);
        foreach (var field in new[] { "id", "occurredAt", "actorUserId", "actorKind", "targetType", "targetId", "organizationId", "ipAddress" })
        {
            Assert.True(items[0].TryGetProperty(field, out _), field);
        }
        var prefix = await (await admin.GetWithTokenAsync("/api/audit?action=signin.&pageSize=200", token)).JsonAsync();
        Assert.Contains(prefix.GetProperty("items").EnumerateArray(), i => i.GetProperty("action").GetString() == "signin.succeeded");

        var csv = await (await admin.GetWithTokenAsync("/api/audit/export?format=csv&action=signin.failed", token)).Content.ReadAsStringAsync();
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("id,occurredAt,action", lines[0]);
        Assert.Equal(page.GetProperty("total").GetInt32(), lines.Length - 1);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetWithTokenAsync("/api/audit/export?format=xlsx", token)).StatusCode);

        // Without audit.read: 403.
        var client = factory.CreatePortalClient();
        var plain = (await client.GetTokensAsync("audited@example.com")).AccessToken;
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetWithTokenAsync("/api/audit", plain)).StatusCode);
    }

    [Fact]
    public async Task AnOrganizationsEventsAreItsAdminsAndNobodyElses()
    {
        await factory.CreateUserAsync("audit-org-a@example.com");
        await factory.CreateUserAsync("audit-org-b@example.com");
        var client = factory.CreatePortalClient();
        var a = (await client.GetTokensAsync("audit-org-a@example.com")).AccessToken;
        var b = (await client.GetTokensAsync("audit-org-b@example.com")).AccessToken;
        var orgA = (await (await client.SendWithTokenAsync(HttpMethod.Post, "/api/orgs", a, new { name = "Audit A" })).JsonAsync()).GetProperty("id").GetString();
        var orgB = (await (await client.SendWithTokenAsync(HttpMethod.Post, "/api/orgs", b, new { name = "Audit B" })).JsonAsync()).GetProperty("id").GetString();

        var own = await (await client.GetWithTokenAsync($"/api/orgs/{orgA}/audit?organizationId={orgB}", a)).JsonAsync();

        Assert.All(own.GetProperty("items").EnumerateArray(), i => Assert.Equal(orgA, i.GetProperty("organizationId").GetString()));
        Assert.Contains(own.GetProperty("items").EnumerateArray(), i => i.GetProperty("action").GetString() == AuditActions.OrgCreated);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetWithTokenAsync($"/api/orgs/{orgB}/audit", a)).StatusCode);
    }

    [Fact]
    public async Task TheOrganizationTabsExportIsItsOwnersAndHoldsOnlyItsEvents()
    {
        await factory.CreateUserAsync("export-owner@example.com");
        await factory.CreateUserAsync("export-stranger@example.com");
        var api = factory.CreatePortalClient();
        var ownerToken = (await api.GetTokensAsync("export-owner@example.com")).AccessToken;
        var strangerToken = (await api.GetTokensAsync("export-stranger@example.com")).AccessToken;
        var mine = await (await api.SendWithTokenAsync(HttpMethod.Post, "/api/orgs", ownerToken, new { name = "Exported" })).JsonAsync();
        var theirs = (await (await api.SendWithTokenAsync(HttpMethod.Post, "/api/orgs", strangerToken, new { name = "Not Exported" })).JsonAsync()).GetProperty("id").GetString();
        var path = $"/orgs/{mine.GetProperty("slug").GetString()}/audit/export";

        var owner = factory.CreatePortalClient();
        await owner.SignInAsync("export-owner@example.com");
        var csv = await owner.GetAsync($"{path}?organizationId={theirs}");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        var rows = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        Assert.NotEmpty(rows);
        Assert.All(rows, row => Assert.Equal(mine.GetProperty("id").GetString(), row.Split(',')[7]));

        var stranger = factory.CreatePortalClient();
        await stranger.SignInAsync("export-stranger@example.com");
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.GetAsync($"{path}?from=someday")).StatusCode);
    }

    [Fact]
    public async Task RetentionRemovesOldEventsRecordsItAndTheChainStillVerifies()
    {
        var audit = factory.Services.GetRequiredService<AuditLog>();
        await audit.RecordAsync(new AuditRecord("test.retention.old") { ActorKind = ActorKind.System });
        var before = await factory.WithDbAsync(db => db.AuditEvents.CountAsync());

        // The hourly maintenance may run on this move of the clock as well: either way, the old events go once, on record.
        factory.Clock!.Advance(TimeSpan.FromDays(366));
        await audit.RecordAsync(new AuditRecord("test.retention.new") { ActorKind = ActorKind.System });
        await factory.Services.GetRequiredService<AuditRetention>().ApplyAsync();

        Assert.False(await factory.WithDbAsync(db => db.AuditEvents.AnyAsync(e => e.Action == "test.retention.old")));
        Assert.True(await factory.WithDbAsync(db => db.AuditEvents.AnyAsync(e => e.Action == "test.retention.new")));
        var records = await factory.WithDbAsync(db => db.AuditEvents.Where(e => e.Action == AuditActions.AuditRetention).Select(e => e.Details!).ToListAsync());
        var removed = records.Sum(d => System.Text.Json.JsonDocument.Parse(d).RootElement.GetProperty("removed").GetInt32());
        Assert.True(removed >= before, $"{removed} removed of {before}");
        var verification = await audit.VerifyAsync();
        Assert.True(verification.Intact, verification.Problem);

        // Removing more without the record is a break.
        var first = await factory.WithDbAsync(db => db.AuditEvents.OrderBy(e => e.Id).Select(e => e.Id).FirstAsync());
        await factory.WithDbAsync(db => db.AuditEvents.Where(e => e.Id == first).ExecuteDeleteAsync());
        Assert.False((await audit.VerifyAsync()).Intact);
    }
}
