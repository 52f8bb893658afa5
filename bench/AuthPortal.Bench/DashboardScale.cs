using System.Diagnostics;
using AuthPortal.Data;
using AuthPortal.Features.Dashboard;
using AuthPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AuthPortal.Bench;

/// <summary>
/// What one dashboard render costs with a cold cache on a portal seeded with 100,000 people and 1,000,000 audit events:
/// the administrators' figures straight from the database (every aggregate, the 30-day chart, the latest events).
/// Baseline in the same run: the same on an empty portal. Target (issue 13): p95 at most 300 ms.
/// </summary>
internal static class DashboardScale
{
    public const int Rounds = 30;

    public static async Task<int> RunAsync()
    {
        var empty = await MeasureAsync("dash-empty", 0, 0);
        var large = await MeasureAsync("dash-large", 100_000, 1_000_000);
        var report = string.Join('\n',
            $"# Dashboard figures, cold cache ({Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd}, {Rounds} renders each, SQLite)",
            "",
            "| database | median | p95 | target |",
            "|---|---:|---:|---:|",
            $"| empty (baseline) | {empty.Median:0.0} ms | {empty.P95:0.0} ms | |",
            $"| 100,000 people, 1,000,000 events | {large.Median:0.0} ms | {large.P95:0.0} ms | p95 ≤ 300 ms: {(large.P95 <= 300 ? "met" : "NOT met")} |");
        Console.WriteLine(report);
        var results = Path.Combine(AppContext.BaseDirectory, "dashboard-scale.md");
        await File.WriteAllTextAsync(results, report + "\n");
        Console.WriteLine($"\nWritten to {results}");
        return 0;
    }

    public static async Task<(double Median, double P95)> MeasureAsync(string name, int people, int events, int rounds = Rounds)
    {
        await using var app = await LoopbackPortal.StartAsync(name, new Dictionary<string, string>());
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            await UserSeeder.SeedAsync(db, people, DateTimeOffset.UtcNow);
            await UserSeeder.SeedAuditEventsAsync(db, events, DateTimeOffset.UtcNow);
        }
        var figures = app.Services.GetRequiredService<DashboardFigures>();
        await figures.ComputeForAdministratorsAsync(); // warm-up
        var samples = new List<double>();
        for (var i = 0; i < rounds; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await figures.ComputeForAdministratorsAsync();
            samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        await app.StopAsync();
        return (LoopbackPortal.Percentile(samples, 50), LoopbackPortal.Percentile(samples, 95));
    }
}
