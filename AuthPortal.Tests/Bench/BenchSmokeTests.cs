using System.Diagnostics;
using System.Text.Json;

namespace AuthPortal.Tests.Bench;

/// <summary>
/// bench/run.sh's suite, once with tiny counts: every figure is produced and written, so the benchmark keeps working as
/// the product changes. Its numbers mean nothing (a smoke run), and nothing here asserts them.
/// </summary>
[Trait("Category", "E2E")]
[Collection(E2E.BrowserCollection.Name)]
public sealed class BenchSmokeTests
{
    [Fact]
    public async Task TheQuickSuiteWritesEveryFigure()
    {
        var bench = Path.Combine(TestPaths.RepositoryRoot, "bench", "AuthPortal.Bench", "bin",
            typeof(BenchSmokeTests).Assembly.Location.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug", "net10.0", "AuthPortal.Bench.dll");
        Assert.True(File.Exists(bench), $"{bench} is built with the solution");
        var output = TestPaths.NewTempDirectory("bench");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(bench)! };
        foreach (var argument in new[] { bench, "suite", "--quick", "--out", output })
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);

        Assert.True(process.ExitCode == 0, await stdout + await stderr);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "latest.json")));
        var numbers = json.RootElement.GetProperty("figures").EnumerateArray().Select(f => f.GetProperty("number").GetInt32()).ToList();
        Assert.Equal(Enumerable.Range(1, 11), numbers);
        Assert.True(json.RootElement.GetProperty("quick").GetBoolean());
        Assert.Contains("| 1 | password-grant sign-ins per second", await File.ReadAllTextAsync(Path.Combine(output, "latest.md")));
    }
}
