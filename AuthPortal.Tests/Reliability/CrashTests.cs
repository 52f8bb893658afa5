using System.Collections.Concurrent;
using System.Net.Http.Json;
using AuthPortal.Infrastructure.Database;
using AuthPortal.Tests.ScaleOut;

namespace AuthPortal.Tests.Reliability;

/// <summary>
/// AuthPortal as its own process on a SQLite file, killed with SIGKILL while writers run, then started again on the same
/// file: nothing it acknowledged is lost, the file is sound, the audit chain verifies, and no repair is needed.
/// </summary>
[Trait("Category", "Reliability")]
public sealed class CrashTests
{
    [SqliteFact]
    public async Task KilledMidWriteTheAppRestartsWithEveryAcknowledgedWriteAndAnIntactChain()
    {
        var directory = TestPaths.NewTempDirectory("crash");
        var database = Path.Combine(directory, "authportal.db");
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:AuthPortal"] = $"Data Source={database}",
            ["Bootstrap:AdminEmail"] = "admin@crash.test",
            ["Bootstrap:AdminPassword"] = Accounts.Password,
            ["Email:PickupDirectory"] = Path.Combine(directory, "mail"),
            ["RateLimits:TokenPerMinute"] = "10000",
            ["RateLimits:ApiPerMinute"] = "100000",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        var acknowledged = new ConcurrentBag<string>();
        using (var first = AppInstance.Start("first", PostgresServer.FreePort(), settings))
        {
            await first.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
            using var http = new HttpClient { BaseAddress = new Uri(first.Url) };
            var token = (await http.GetTokensAsync("admin@crash.test")).AccessToken;

            // Four writers create roles (a row and an audit event in one transaction each) until the process dies under them.
            var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
            {
                for (var i = 0; i < 2_000; i++)
                {
                    var name = $"crash-{w}-{i}";
                    try
                    {
                        var response = await http.SendWithTokenAsync(HttpMethod.Post, "/api/roles", token, new { name, description = "written before the crash" });
                        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                        acknowledged.Add(name);
                        if (acknowledged.Count >= 100)
                        {
                            enough.TrySetResult();
                        }
                    }
                    catch (HttpRequestException)
                    {
                        return; // the process is gone
                    }
                }
            })).ToList();

            await enough.Task.WaitAsync(TimeSpan.FromSeconds(60));
            first.KillHard();
            await Task.WhenAll(writers);
        }

        // Started again on the same file, as a supervisor would: no repair step in between.
        using var second = AppInstance.Start("second", PostgresServer.FreePort(), settings);
        await second.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        using var client = new HttpClient { BaseAddress = new Uri(second.Url) };
        var adminToken = (await client.GetTokensAsync("admin@crash.test")).AccessToken;
        var roles = await (await client.GetWithTokenAsync("/api/roles", adminToken)).JsonAsync();
        var stored = roles.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("name").GetString()!).ToHashSet();

        var lost = acknowledged.Where(name => !stored.Contains(name)).ToList();
        Assert.True(lost.Count == 0, $"acknowledged but lost: {string.Join(", ", lost)}");
        Assert.Equal("ok", await DatabaseBackup.IntegrityCheckAsync(database));
        var (exitCode, output) = await AppCommand.RunAsync("audit verify", new Dictionary<string, string> { ["ConnectionStrings__AuthPortal"] = $"Data Source={database}" });
        Assert.True(exitCode == 0, output);
        ReliabilityReport.Record("Crash", "SIGKILL while 4 writers create roles, then a restart on the same SQLite file",
            $"1 kill after {acknowledged.Count} acknowledged writes",
            "every acknowledged write present; integrity_check ok; audit chain verifies; starts without repair",
            $"all {acknowledged.Count} present ({stored.Count} roles stored); integrity_check ok; audit chain intact; ready again");
    }
}
