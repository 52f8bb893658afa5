using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AuthPortal.Data;
using AuthPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AuthPortal.Bench;

/// <summary>
/// Does the admin user list stay fast as people are added? The real app on Kestrel over loopback, one portal seeded with
/// 10,000 people (the baseline, measured in the same run) and one with 100,000 (pre-hashed rows), the same mix of list
/// requests against each: search with paging, a filter, a sort on another column, a deep page.
/// Target (issues 11 and 15): p95 at 100,000 at most 50 ms, and at most 1.5 × the p95 at 10,000.
/// </summary>
internal static class UserListScale
{
    public const int Rounds = 60;

    public static readonly string[] Queries =
    [
        "/api/users?search=user0421&page=1&pageSize=25",
        "/api/users?search=seed.test&page=3&pageSize=25",
        "/api/users?disabled=true&page=1&pageSize=25",
        "/api/users?sort=LastSignInAt&descending=true&page=2&pageSize=50",
        "/api/users?page=150&pageSize=50",
        "/api/users?twoFactor=true&signedInWithinDays=7&page=1&pageSize=25",
    ];

    public static async Task<int> RunAsync()
    {
        var small = await MeasureAsync("list10k", 10_000);
        var large = await MeasureAsync("list100k", 100_000);
        var ratio = large.P95 / small.P95;
        var report = string.Join('\n',
            $"# Admin user list: 100,000 people vs 10,000 ({Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd}, {Rounds} rounds of {Queries.Length} list requests each, loopback)",
            "",
            "| database | median | p95 | ratio of p95 to baseline | target |",
            "|---|---:|---:|---:|---:|",
            $"| 10,000 people (baseline) | {small.Median:0.0} ms | {small.P95:0.0} ms | 1.00 | |",
            $"| 100,000 people | {large.Median:0.0} ms | {large.P95:0.0} ms | {ratio:0.00} | p95 ≤ 50 ms: {(large.P95 <= 50 ? "met" : "NOT met")}; ratio ≤ 1.5: {(ratio <= 1.5 ? "met" : "NOT met")} |",
            "",
            "| request | p95 at 10,000 | p95 at 100,000 |",
            "|---|---:|---:|",
            string.Join('\n', Queries.Select(q => $"| `{q}` | {small.P95ByQuery[q]:0.0} ms | {large.P95ByQuery[q]:0.0} ms |")));
        Console.WriteLine(report);
        var results = Path.Combine(AppContext.BaseDirectory, "user-list-scale.md");
        await File.WriteAllTextAsync(results, report + "\n");
        Console.WriteLine($"\nWritten to {results}");
        return 0;
    }

    public static async Task<(double Median, double P95, Dictionary<string, double> P95ByQuery)> MeasureAsync(string name, int people, int rounds = Rounds)
    {
        await using var app = await LoopbackPortal.StartAsync(name, new Dictionary<string, string>
        {
            ["RateLimits:TokenPerMinute"] = "100000", ["RateLimits:ApiPerMinute"] = "1000000",
        });
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            await UserSeeder.SeedAsync(db, people, DateTimeOffset.UtcNow);
        }
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        var token = (await (await http.PostAsync("/api/auth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["username"] = $"admin@{name}.test", ["password"] = LoopbackPortal.Password,
        }))).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
        foreach (var query in Queries)
        {
            await TimeAsync(http, token, query); // warm-up: JIT, caches, the database's pages
        }
        var samples = Queries.ToDictionary(q => q, _ => new List<double>());
        for (var round = 0; round < rounds; round++)
        {
            foreach (var query in Queries)
            {
                samples[query].Add(await TimeAsync(http, token, query));
            }
        }
        await app.StopAsync();
        var all = samples.Values.SelectMany(v => v).ToList();
        return (LoopbackPortal.Percentile(all, 50), LoopbackPortal.Percentile(all, 95), samples.ToDictionary(s => s.Key, s => LoopbackPortal.Percentile(s.Value, 95)));
    }

    private static async Task<double> TimeAsync(HttpClient http, string token, string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var started = Stopwatch.GetTimestamp();
        using var response = await http.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{path} answered {(int)response.StatusCode}");
        }
        return elapsed;
    }
}
