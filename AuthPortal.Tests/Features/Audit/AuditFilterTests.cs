using System.Text.Json;

namespace AuthPortal.Tests.Features.Audit;

/// <summary>Each filter of /api/audit narrows to what it names, the export follows the same filters, and a filter value that cannot be read is a 400 naming it.</summary>
public sealed class AuditFilterTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    private async Task<(HttpClient Client, string Token)> AdminAsync()
    {
        var client = factory.CreatePortalClient();
        return (client, (await client.GetTokensAsync(DefaultPortal.AdminEmail)).AccessToken);
    }

    private static async Task<List<JsonElement>> ItemsAsync(HttpClient client, string token, string query)
    {
        var response = await client.GetWithTokenAsync($"/api/audit?pageSize=200&{query}", token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("items").EnumerateArray().ToList();
    }

    [Fact]
    public async Task EachFilterNarrowsToWhatItNames()
    {
        var (admin, token) = await AdminAsync();
        var person = await factory.CreateUserAsync("filtered-person@example.com");
        var fromAddress = factory.CreatePortalClient();
        fromAddress.DefaultRequestHeaders.Add("X-Test-Client-Ip", "198.51.100.23");
        await fromAddress.PasswordGrantAsync("filtered-person@example.com", "wrong password");
        var personToken = (await fromAddress.GetTokensAsync("filtered-person@example.com")).AccessToken;
        var org = (await (await fromAddress.SendWithTokenAsync(HttpMethod.Post, "/api/orgs", personToken, new { name = "Filtered Org" })).JsonAsync()).GetProperty("id").GetString()!;

        var byIp = await ItemsAsync(admin, token, "ip=198.51.100.23");
        Assert.Contains(byIp, i => i.GetProperty("action").GetString() == AuditActions.SignInFailed);
        Assert.Contains(byIp, i => i.GetProperty("action").GetString() == AuditActions.SignInSucceeded);
        Assert.All(byIp, i => Assert.Equal("198.51.100.23", i.GetProperty("ipAddress").GetString()));

        var byActor = await ItemsAsync(admin, token, $"actor={person.Id}");
        Assert.Contains(byActor, i => i.GetProperty("action").GetString() == AuditActions.OrgCreated);
        Assert.All(byActor, i => Assert.Equal(person.Id, i.GetProperty("actorUserId").GetString()));

        var byTarget = await ItemsAsync(admin, token, $"targetType=user&targetId={person.Id}");
        Assert.NotEmpty(byTarget);
        Assert.All(byTarget, i => Assert.Equal(("user", person.Id), (i.GetProperty("targetType").GetString(), i.GetProperty("targetId").GetString())));
        Assert.Empty(await ItemsAsync(admin, token, $"targetType=organization&targetId={person.Id}"));

        var byOrg = await ItemsAsync(admin, token, $"organizationId={org}");
        Assert.Contains(byOrg, i => i.GetProperty("action").GetString() == AuditActions.OrgCreated);
        Assert.All(byOrg, i => Assert.Equal(org, i.GetProperty("organizationId").GetString()));

        var failedHere = await ItemsAsync(admin, token, "ip=198.51.100.23&succeeded=false");
        Assert.All(failedHere, i => Assert.False(i.GetProperty("succeeded").GetBoolean()));
        Assert.NotEmpty(failedHere);

        // A time range: everything just recorded is inside [an hour ago, an hour ahead) and outside a range that ended yesterday.
        var now = DateTimeOffset.UtcNow;
        Assert.Equal(byIp.Count, (await ItemsAsync(admin, token, $"ip=198.51.100.23&from={Uri.EscapeDataString(now.AddHours(-1).ToString("O"))}&to={Uri.EscapeDataString(now.AddHours(1).ToString("O"))}")).Count);
        Assert.Empty(await ItemsAsync(admin, token, $"ip=198.51.100.23&to={now.AddDays(-1):yyyy-MM-dd}"));

        // The export follows the same filters: the same events, in the same order.
        var csv = await (await admin.GetWithTokenAsync($"/api/audit/export?format=csv&actor={person.Id}&succeeded=true", token)).Content.ReadAsStringAsync();
        var exported = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(line => long.Parse(line.Split(',')[0])).ToList();
        var listed = (await ItemsAsync(admin, token, $"actor={person.Id}&succeeded=true")).Select(i => i.GetProperty("id").GetInt64()).ToList();
        Assert.Equal(listed, exported);
    }

    [Theory]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=2026-13-45", "to")]
    [InlineData("succeeded=maybe", "succeeded")]
    [InlineData("from=2026-11-02&to=2026-11-01", "to")]
    public async Task AFilterValueThatCannotBeReadIsABadRequestNamingIt(string query, string field)
    {
        var (admin, token) = await AdminAsync();
        foreach (var path in new[] { "/api/audit", "/api/audit/export" })
        {
            var response = await admin.GetWithTokenAsync($"{path}?{query}", token);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty(field, out _), $"{path}?{query} names {field}");
        }
    }
}
