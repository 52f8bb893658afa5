using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace AuthPortal.Bench;

/// <summary>
/// Does a request authenticated by an API key cost more than one with a JWT? The real app on Kestrel over loopback,
/// <c>GET /api/me</c> with a JWT (the baseline, measured in the same run) and with an API key, interleaved.
/// Target (issue 10): the key costs no more than the JWT (ratio of medians at most about 1).
/// </summary>
internal static class ApiKeyCost
{
    private const int Requests = 400;

    public static async Task<int> RunAsync()
    {
        await using var app = await LoopbackPortal.StartAsync("keys", new Dictionary<string, string>
        {
            ["RateLimits:TokenPerMinute"] = "100000", ["RateLimits:ApiPerMinute"] = "1000000",
        });
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        var token = (await (await http.PostAsync("/api/auth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["username"] = "admin@keys.test", ["password"] = LoopbackPortal.Password,
        }))).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
        var create = new HttpRequestMessage(HttpMethod.Post, "/api/me/api-keys") { Content = JsonContent.Create(new { name = "bench", scopes = new[] { "users.read" }, expiresInDays = 7 }) };
        create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var key = (await (await http.SendAsync(create)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;

        var jwt = new List<double>();
        var apiKey = new List<double>();
        for (var i = 0; i < 50; i++)
        {
            await TimeAsync(http, token);
            await TimeAsync(http, key);
        }
        for (var i = 0; i < Requests; i++)
        {
            if (i % 2 == 0)
            {
                jwt.Add(await TimeAsync(http, token));
                apiKey.Add(await TimeAsync(http, key));
            }
            else
            {
                apiKey.Add(await TimeAsync(http, key));
                jwt.Add(await TimeAsync(http, token));
            }
        }
        await app.StopAsync();

        var ratio = Median(apiKey) / Median(jwt);
        var report = string.Join('\n',
            $"# API key vs JWT ({Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd}, {Requests} interleaved requests each, loopback)",
            "",
            "| request | median | p10–p90 | ratio to baseline | target |",
            "|---|---:|---:|---:|---:|",
            $"| GET /api/me with a JWT (baseline) | {Median(jwt) * 1000:0} µs | {LoopbackPortal.Percentile(jwt, 10) * 1000:0}–{LoopbackPortal.Percentile(jwt, 90) * 1000:0} µs | 1.00 | |",
            $"| GET /api/me with an API key | {Median(apiKey) * 1000:0} µs | {LoopbackPortal.Percentile(apiKey, 10) * 1000:0}–{LoopbackPortal.Percentile(apiKey, 90) * 1000:0} µs | {ratio:0.00} | ≤ 1.05: {(ratio <= 1.05 ? "met" : "NOT met")} |");
        Console.WriteLine(report);
        var results = Path.Combine(AppContext.BaseDirectory, "api-key-cost.md");
        await File.WriteAllTextAsync(results, report + "\n");
        Console.WriteLine($"\nWritten to {results}");
        return 0;
    }

    private static double Median(List<double> values) => LoopbackPortal.Percentile(values, 50);

    private static async Task<double> TimeAsync(HttpClient http, string credential)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        var started = Stopwatch.GetTimestamp();
        using var response = await http.SendAsync(request);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"GET /api/me answered {(int)response.StatusCode}");
        }
        return elapsed;
    }
}
