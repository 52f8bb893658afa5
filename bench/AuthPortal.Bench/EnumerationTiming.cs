using System.Diagnostics;
using System.Net.Http.Json;
using AuthPortal.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace AuthPortal.Bench;

/// <summary>
/// Does an answer take longer for an address that has an account than for one that does not? The real app on
/// Kestrel over loopback, requests for a taken and a free address interleaved, 30 pairs each for registration (API)
/// and forgot-password (API); reports the medians, their difference and the spread. The baseline is the free address,
/// measured in the same run. Target (security review): the median difference stays under 10 ms.
/// </summary>
internal static class EnumerationTiming
{
    private const int Pairs = 30;

    public static async Task<int> RunAsync()
    {
        await using var app = await LoopbackPortal.StartAsync("timing", new Dictionary<string, string>
        {
            ["RateLimits:TokenPerMinute"] = "100000", ["RateLimits:MailsPerAddress"] = "1000",
        });
        var address = app.Urls.First();
        using var http = new HttpClient { BaseAddress = new Uri(address) };

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            await users.CreateAsync(new AppUser { UserName = "taken@timing.test", Email = "taken@timing.test", EmailConfirmed = true, DisplayName = "Taken", CreatedAt = DateTimeOffset.UtcNow }, LoopbackPortal.Password);
        }

        // Warm up both paths, so the first JIT and connection costs do not land on one side.
        for (var i = 0; i < 5; i++)
        {
            await RegisterAsync(http, $"warm-{i}@timing.test");
            await RegisterAsync(http, "taken@timing.test");
            await ForgotAsync(http, "taken@timing.test");
            await ForgotAsync(http, $"warm-{i}@timing.test");
        }

        var registerFree = new List<double>();
        var registerTaken = new List<double>();
        var forgotUnknown = new List<double>();
        var forgotKnown = new List<double>();
        for (var i = 0; i < Pairs; i++)
        {
            // Interleaved, and alternating which goes first, so drift hits both sides alike.
            if (i % 2 == 0)
            {
                registerFree.Add(await RegisterAsync(http, $"free-{i}@timing.test"));
                registerTaken.Add(await RegisterAsync(http, "taken@timing.test"));
                forgotUnknown.Add(await ForgotAsync(http, $"nobody-{i}@timing.test"));
                forgotKnown.Add(await ForgotAsync(http, "taken@timing.test"));
            }
            else
            {
                registerTaken.Add(await RegisterAsync(http, "taken@timing.test"));
                registerFree.Add(await RegisterAsync(http, $"free-{i}@timing.test"));
                forgotKnown.Add(await ForgotAsync(http, "taken@timing.test"));
                forgotUnknown.Add(await ForgotAsync(http, $"nobody-{i}@timing.test"));
            }
        }
        await app.StopAsync();

        var report = string.Join('\n',
            $"# Enumeration timing ({Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd}, {Pairs} interleaved pairs, loopback)",
            "",
            "| answer | baseline: address without an account (median, spread p10–p90) | address with an account (median, spread) | median difference | target |",
            "|---|---:|---:|---:|---:|",
            Row("POST /api/auth/register", registerFree, registerTaken),
            Row("POST /api/auth/forgot-password", forgotUnknown, forgotKnown));
        Console.WriteLine(report);
        var results = Path.Combine(AppContext.BaseDirectory, "enumeration-timing.md");
        await File.WriteAllTextAsync(results, report + "\n");
        Console.WriteLine($"\nWritten to {results}");
        return 0;
    }

    private static string Row(string name, List<double> baseline, List<double> measured)
    {
        var difference = Math.Abs(LoopbackPortal.Percentile(measured, 50) - LoopbackPortal.Percentile(baseline, 50));
        return $"| {name} | {LoopbackPortal.Percentile(baseline, 50):0.0} ms ({LoopbackPortal.Percentile(baseline, 10):0.0}–{LoopbackPortal.Percentile(baseline, 90):0.0}) | " +
            $"{LoopbackPortal.Percentile(measured, 50):0.0} ms ({LoopbackPortal.Percentile(measured, 10):0.0}–{LoopbackPortal.Percentile(measured, 90):0.0}) | {difference:0.0} ms | " +
            (difference < 10 ? "< 10 ms: met" : "< 10 ms: NOT met") + " |";
    }

    private static async Task<double> RegisterAsync(HttpClient http, string email) =>
        await TimeAsync(() => http.PostAsJsonAsync("/api/auth/register", new { email, password = "violet harbor quartz lantern", displayName = "Timing" }));

    private static async Task<double> ForgotAsync(HttpClient http, string email) =>
        await TimeAsync(() => http.PostAsJsonAsync("/api/auth/forgot-password", new { email }));

    private static async Task<double> TimeAsync(Func<Task<HttpResponseMessage>> send)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await send();
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if ((int)response.StatusCode != 202)
        {
            throw new InvalidOperationException($"Expected 202, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
        return elapsed;
    }
}
