using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using AuthPortal.Tests.E2E;
using AuthPortal.Tests.ScaleOut;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace AuthPortal.Tests.Reliability;

/// <summary>
/// Ten minutes of mixed load on AuthPortal as its own process: password sign-ins by ever new people, refresh-token
/// rotations, API calls with JWTs and an API key, searches of the user list, with 50 Blazor circuits open in Chromium the
/// whole time. Every 10 s the app's heap after an induced full collection, its resident memory and open handles are
/// sampled; after a warm-up their linear trends must be flat. Per-user state that is never freed shows up here as memory that grows with each new person signing in.
/// </summary>
/// <remarks>
/// <c>./test.sh</c> runs this in its own test process beside the other passes (so the ten minutes do not add to the
/// suite's length); AUTHPORTAL_SOAK_SECONDS shortens it for a developer's run, to no less than <see cref="Shortest"/>.
/// </remarks>
[Trait("Category", "Soak")]
public sealed class SoakTests(ITestOutputHelper output)
{
    private const int Circuits = 50;
    private const int SeededPeople = 20_000;
    private static readonly TimeSpan SampleEvery = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A trend needs minutes after the warm-up: the caches (validated tokens, sessions, permissions) fill over the first
    /// minute or two, and a two-minute run read that filling as growth (+12 MB/min of heap). Shorter requests get this.
    /// </summary>
    private static readonly TimeSpan Shortest = TimeSpan.FromMinutes(5);

    private static TimeSpan Duration =>
        TimeSpan.FromSeconds(Math.Max(Shortest.TotalSeconds,
            int.TryParse(Environment.GetEnvironmentVariable("AUTHPORTAL_SOAK_SECONDS"), CultureInfo.InvariantCulture, out var seconds) ? seconds : 600));

    [SqliteFact]
    public async Task MixedLoadWithFiftyOpenCircuitsKeepsMemoryAndHandlesFlat()
    {
        var directory = TestPaths.NewTempDirectory("soak");
        var database = Path.Combine(directory, "authportal.db");
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:AuthPortal"] = $"Data Source={database}",
            ["Bootstrap:AdminEmail"] = "admin@soak.test",
            ["Bootstrap:AdminPassword"] = Accounts.Password,
            ["Email:PickupDirectory"] = Path.Combine(directory, "mail"),
            ["RateLimits:TokenPerMinute"] = "100000",
            ["RateLimits:ApiPerMinute"] = "1000000",
            ["Logging:LogLevel:Default"] = "Warning",
            // Access tokens expire and are renewed many times over the run, so what expiry frees is part of the trend.
            ["Jwt:AccessTokenMinutes"] = "1",
        };

        // A migrated database, then people inserted pre-hashed (no PBKDF2 run per person), so every sign-in below is by
        // someone who has not signed in before.
        using (var migrate = AppInstance.Start("migrate", PostgresServer.FreePort(), settings))
        {
            await migrate.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        }
        await UserSeeder.SeedFileAsync(database, SeededPeople, DateTimeOffset.UtcNow);
        var people = new ConcurrentQueue<string>(Enumerable.Range(0, SeededPeople).Where(UserSeeder.SignsInWithPasswordAlone).Select(UserSeeder.EmailOf));

        using var app = AppInstance.Start("soak", PostgresServer.FreePort(), settings);
        await app.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        using var http = new HttpClient { BaseAddress = new Uri(app.Url), Timeout = TimeSpan.FromSeconds(60) };
        var admin = await http.GetTokensAsync("admin@soak.test");
        var created = await http.SendWithTokenAsync(HttpMethod.Post, "/api/me/api-keys", admin.AccessToken, new { name = "soak", scopes = Array.Empty<string>(), expiresInDays = 1 });
        var apiKey = (await created.JsonAsync()).GetProperty("key").GetString()!;
        var beforeCircuits = app.Footprint();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(DebianChromium.LaunchOptions());
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = app.Url });
        context.SetDefaultTimeout(60_000);
        context.SetDefaultNavigationTimeout(60_000);
        var signIn = await context.NewPageAsync();
        await new LoginPage(signIn).OpenAsync();
        await new LoginPage(signIn).SignInAsync("admin@soak.test", Accounts.Password);
        await new Shell(signIn).WaitUntilInteractiveAsync();
        await signIn.CloseAsync();
        var pages = new List<IPage>();
        foreach (var batch in Enumerable.Range(0, Circuits).Chunk(5))
        {
            pages.AddRange(await Task.WhenAll(batch.Select(async _ =>
            {
                // An interactive page (the dashboard has no circuit of its own): its whole tree lives in the circuit.
                var page = await context.NewPageAsync();
                await page.GotoAsync("/profile");
                await new Shell(page).WaitUntilInteractiveAsync();
                return page;
            })));
        }
        var withCircuits = app.Footprint();

        // The load: each stream keeps its own pace, so the mix is the same from the first minute to the last.
        var failures = new ConcurrentQueue<string>();
        var counts = new ConcurrentDictionary<string, int>();
        var refreshTokens = new ConcurrentQueue<string>();
        var accessTokens = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource(Duration);

        async Task CheckAsync(string kind, Func<Task<HttpResponseMessage>> send, Func<HttpResponseMessage, Task>? then = null)
        {
            try
            {
                using var response = await send();
                if (!response.IsSuccessStatusCode)
                {
                    failures.Enqueue($"{kind}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    return;
                }
                counts.AddOrUpdate(kind, 1, (_, n) => n + 1);
                if (then is not null)
                {
                    await then(response);
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !stop.IsCancellationRequested)
            {
                failures.Enqueue($"{kind}: {e.GetType().Name} {e.Message}");
            }
        }

        async Task KeepTokensAsync(HttpResponseMessage response)
        {
            var tokens = await response.TokensAsync();
            refreshTokens.Enqueue(tokens.RefreshToken);
            accessTokens.Enqueue(tokens.AccessToken);
            while (accessTokens.Count > 100 && accessTokens.TryDequeue(out _))
            {
                // only recent tokens are used
            }
        }

        var streams = new List<Task>
        {
            Paced(2, stop.Token, () => people.TryDequeue(out var person)
                ? CheckAsync("password sign-in", () => http.PasswordGrantAsync(person, UserSeeder.Password), KeepTokensAsync)
                : Task.CompletedTask),
        };
        streams.AddRange(Enumerable.Range(0, 2).Select(_ => Paced(5, stop.Token, () => refreshTokens.TryDequeue(out var refresh)
            ? CheckAsync("refresh", () => http.RefreshGrantAsync(refresh), KeepTokensAsync)
            : Task.CompletedTask)));
        streams.AddRange(Enumerable.Range(0, 2).Select(_ => Paced(10, stop.Token, () => accessTokens.TryPeek(out var token)
            ? CheckAsync("GET /api/me (JWT)", () => http.GetWithTokenAsync("/api/me", token))
            : Task.CompletedTask)));
        streams.Add(Paced(10, stop.Token, () => CheckAsync("GET /api/me (API key)", () => http.GetWithApiKeyHeaderAsync("/api/me", apiKey))));
        var listPage = 0;
        var adminRefreshed = DateTime.UtcNow;
        streams.Add(Paced(5, stop.Token, async () =>
        {
            // As a script does: the administrator's token is renewed at half its lifetime (it outlives no run of ten minutes).
            if (DateTime.UtcNow - adminRefreshed > TimeSpan.FromSeconds(admin.ExpiresIn / 2.0))
            {
                await CheckAsync("refresh", () => http.RefreshGrantAsync(admin.RefreshToken), async response => admin = await response.TokensAsync());
                adminRefreshed = DateTime.UtcNow;
            }
            var page = Interlocked.Increment(ref listPage) % 50 + 1;
            await CheckAsync("GET /api/users (search)", () => http.GetWithTokenAsync($"/api/users?search=user01&page={page}&pageSize=20", admin.AccessToken));
        }));

        var samples = new List<(double Minutes, double Heap, double Megabytes, int Handles, int Threads)>();
        var started = DateTime.UtcNow;
        while (!stop.IsCancellationRequested)
        {
            // Each sample is taken right after a full collection, so the series shows what is kept, not when the
            // collector last ran (without it, resident memory saws up and down by tens of MB).
            var heap = await ManagedHeap.AfterFullCollectionAsync(app.ProcessId, TimeSpan.FromSeconds(30)) / 1024.0 / 1024;
            var (megabytes, handles, threads) = app.Footprint();
            samples.Add(((DateTime.UtcNow - started).TotalMinutes, heap, megabytes, handles, threads));
            try
            {
                await Task.Delay(SampleEvery, stop.Token); // the sampling interval of a monitor, not a wait for an outcome
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        await Task.WhenAll(streams);

        // Every circuit is still live: its dark-mode button answers (the click goes to the server and the answer comes
        // back through the circuit to switch the page), and once more to leave the shared cookie as it was.
        var liveCircuits = 0;
        foreach (var page in pages)
        {
            await page.ClickAsync("[data-testid=theme-toggle]");
            await Assertions.Expect(page.Locator("body")).ToHaveClassAsync("ap-dark");
            await page.ClickAsync("[data-testid=theme-toggle]");
            await Assertions.Expect(page.Locator("body")).ToHaveClassAsync("ap-light");
            liveCircuits++;
        }

        // The trend after a warm-up (JIT, pools and caches filling): a quarter of the run, as the first samples rise by design.
        var measured = samples.Where(s => s.Minutes >= Duration.TotalMinutes / 4).ToList();
        var window = measured[^1].Minutes - measured[0].Minutes;
        var heapSlope = LinearTrend.Slope(measured.Select(s => (s.Minutes, s.Heap)).ToList());
        var memorySlope = LinearTrend.Slope(measured.Select(s => (s.Minutes, s.Megabytes)).ToList());
        var handleSlope = LinearTrend.Slope(measured.Select(s => (s.Minutes, (double)s.Handles)).ToList());
        var threadSlope = LinearTrend.Slope(measured.Select(s => (s.Minutes, (double)s.Threads)).ToList());
        var meanMemory = measured.Average(s => s.Megabytes);
        var meanHeap = measured.Average(s => s.Heap);
        // The floor: what stays after the collections' troughs. Even after a full GC the heap saws up and down by tens
        // of MB (pooled buffers and caches released on their own clocks), and a straight line through a saw tilts with
        // where the run happens to stop; a leak raises the floor, the saw does not. So the lowest sample of the last
        // third of the window is compared with the lowest of the first.
        var third = measured.Count / 3;
        double FloorGrowth(Func<(double Minutes, double Heap, double Megabytes, int Handles, int Threads), double> value) => measured.TakeLast(third).Min(value) - measured.Take(third).Min(value);
        var heapFloorGrowth = FloorGrowth(s => s.Heap);
        var memoryFloorGrowth = FloorGrowth(s => s.Megabytes);
        var signedIn = counts.GetValueOrDefault("password sign-in");
        var requests = counts.Values.Sum();
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"{requests:N0} requests in {Duration.TotalMinutes:0.#} min ({string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value:N0}"))}); " +
            $"{signedIn:N0} distinct people signed in; {liveCircuits} of {Circuits} circuits live at the end; " +
            $"managed heap after a full GC {measured.Min(s => s.Heap):0.0}–{measured.Max(s => s.Heap):0.0} MB, slope {heapSlope:+0.00;-0.00} MB/min, floor {heapFloorGrowth:+0.0;-0.0} MB; " +
            $"RSS {measured.Min(s => s.Megabytes):0}–{measured.Max(s => s.Megabytes):0} MB, slope {memorySlope:+0.00;-0.00} MB/min, floor {memoryFloorGrowth:+0.0;-0.0} MB; " +
            $"handles {measured.Min(s => s.Handles)}–{measured.Max(s => s.Handles)}, slope {handleSlope:+0.00;-0.00}/min; " +
            $"threads slope {threadSlope:+0.00;-0.00}/min; {Circuits} circuits added {withCircuits.ResidentMegabytes - beforeCircuits.ResidentMegabytes:0} MB RSS");
        output.WriteLine(summary);
        foreach (var sample in samples)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{sample.Minutes:0.00} min  heap {sample.Heap:0.0} MB  RSS {sample.Megabytes:0.0} MB  {sample.Handles} handles  {sample.Threads} threads"));
        }

        Assert.True(failures.IsEmpty, $"{failures.Count} failed requests, first: {string.Join("\n", failures.Take(5))}");
        Assert.True(signedIn >= Duration.TotalSeconds, $"only {signedIn} sign-ins ran: {summary}"); // about 2 a second were paced
        // Flat: what the trend would add over the measured window is small against the process's size (GC noise is a
        // few MB either way), and handles do not pile up (a leaked socket or file per request would add thousands).
        Assert.True(heapFloorGrowth <= meanHeap * 0.10, $"the managed heap grows: {summary}");
        Assert.True(memoryFloorGrowth <= meanMemory * 0.10, $"resident memory grows: {summary}");
        Assert.True(handleSlope * window <= 20, $"handles grow: {summary}");

        ReliabilityReport.Record("Soak", $"mixed load (sign-ins by new people, refreshes, API calls with a JWT and an API key, user searches) with {Circuits} open circuits",
            $"{Duration.TotalMinutes:0.#} minutes: {requests:N0} requests, {signedIn:N0} distinct people signed in, {samples.Count} samples of heap, RSS and handles",
            "no failed request; after a warm-up, managed heap (after a full GC) and resident memory flat (the floor, the lowest sample of the window's last third against its first, rises by under 10% of their size), open handles flat (linear trend under 20 over the window); every circuit still live",
            summary);
    }

    /// <summary>Runs <paramref name="step"/> <paramref name="perSecond"/> times a second until stopped; a slow step is not made up with a burst.</summary>
    private static Task Paced(int perSecond, CancellationToken stop, Func<Task> step) => Task.Run(async () =>
    {
        var interval = TimeSpan.FromSeconds(1.0 / perSecond);
        var next = DateTime.UtcNow;
        while (!stop.IsCancellationRequested)
        {
            await step();
            next += interval;
            var wait = next - DateTime.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            else
            {
                next = DateTime.UtcNow;
            }
        }
    });
}
