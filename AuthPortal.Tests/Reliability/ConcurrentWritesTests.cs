namespace AuthPortal.Tests.Reliability;

/// <summary>
/// 200 writes of five kinds sent at once to one portal on one database file: registrations, API keys, roles, profile edits
/// and session revocations. None may fail for the server's sake, and what is stored must equal what was answered.
/// </summary>
[Trait("Category", "Reliability")]
public sealed class ConcurrentWritesTests
{
    private const int PerKind = 40;

    [Fact]
    public async Task TwoHundredMixedWritesAtOnceAllSucceedAndTheRowsEqualTheAnswers()
    {
        using var portal = new PortalFactory(null);
        var client = portal.CreatePortalClient();
        var run = Guid.NewGuid().ToString("N")[..8];
        await portal.CreateUserAsync($"admin-{run}@example.com", administrator: true);
        var admin = (await client.GetTokensAsync($"admin-{run}@example.com")).AccessToken;

        // People who each hold two API sessions: one token writes, the other session is revoked.
        var people = new List<(AppUser User, string Token, string OtherSession)>();
        for (var i = 0; i < PerKind; i++)
        {
            var user = await portal.CreateUserAsync($"mixed-{run}-{i}@example.com");
            var token = (await client.GetTokensAsync(user.Email!)).AccessToken;
            await client.GetTokensAsync(user.Email!);
            var sessions = await (await client.GetWithTokenAsync("/api/me/sessions", token)).JsonAsync();
            var other = sessions.GetProperty("items").EnumerateArray().Single(s => !s.GetProperty("current").GetBoolean()).GetProperty("id").GetString()!;
            people.Add((user, token, other));
        }

        var writes = new List<(string Kind, Task<HttpResponseMessage> Answer)>();
        for (var i = 0; i < PerKind; i++)
        {
            var (user, token, other) = people[i];
            writes.Add(("registration", client.PostAsJsonAsync("/api/auth/register",
                new { email = $"joined-{run}-{i}@example.com", password = Accounts.Password, displayName = $"Joined {i}" })));
            writes.Add(("api key", client.SendWithTokenAsync(HttpMethod.Post, "/api/me/api-keys", token, new { name = $"key-{run}-{i}", expiresInDays = 30 })));
            writes.Add(("role", client.SendWithTokenAsync(HttpMethod.Post, "/api/roles", admin, new { name = $"role-{run}-{i}" })));
            writes.Add(("profile", client.SendWithTokenAsync(HttpMethod.Patch, "/api/me", token, new { displayName = $"Edited {run} {i}" })));
            writes.Add(("revocation", client.SendWithTokenAsync(HttpMethod.Delete, $"/api/me/sessions/{other}", token)));
        }
        await Task.WhenAll(writes.Select(w => w.Answer));

        var answers = new List<(string Kind, HttpResponseMessage Response, string Body)>();
        foreach (var (kind, answer) in writes)
        {
            var response = await answer;
            answers.Add((kind, response, await response.Content.ReadAsStringAsync()));
        }
        Assert.DoesNotContain(answers, a => (int)a.Response.StatusCode >= 500);
        Assert.DoesNotContain(answers, a => a.Body.Contains("locked", StringComparison.OrdinalIgnoreCase));
        var failed = answers.Where(a => !a.Response.IsSuccessStatusCode).Select(a => $"{a.Kind}: {(int)a.Response.StatusCode} {a.Body}").ToList();
        Assert.True(failed.Count == 0, string.Join("\n", failed));

        // What is stored equals what was answered, kind by kind.
        var stored = await portal.WithDbAsync(async db => new
        {
            Registrations = await db.Users.CountAsync(u => u.Email!.StartsWith($"joined-{run}-")),
            Keys = await db.ApiKeys.CountAsync(k => k.Name.StartsWith($"key-{run}-")),
            Roles = await db.Roles.CountAsync(r => r.Name!.StartsWith($"role-{run}-")),
            Profiles = await db.Users.CountAsync(u => u.DisplayName.StartsWith($"Edited {run} ")),
            Revoked = await db.UserSessions.CountAsync(s => s.RevokedAt != null && people.Select(p => p.OtherSession).Contains(s.Id)),
        });
        Assert.Equal(new { Registrations = PerKind, Keys = PerKind, Roles = PerKind, Profiles = PerKind, Revoked = PerKind }, stored);

        ReliabilityReport.Record("Concurrency", $"200 mixed writes at once: registrations, API keys, roles, profile edits, session revocations ({TestDatabase.Name})",
            $"{answers.Count} requests", "no 5xx, no \"database is locked\"; stored rows equal the successful answers",
            $"{answers.Count(a => a.Response.IsSuccessStatusCode)} succeeded, 0 server errors; 40 of each kind stored");
    }
}
