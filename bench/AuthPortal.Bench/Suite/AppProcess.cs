using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AuthPortal.Tests.Support;

namespace AuthPortal.Bench.Suite;

/// <summary>AuthPortal as an operator runs it (<c>dotnet AuthPortal.dll</c>), in its own process on a loopback port.</summary>
internal sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;

    private AppProcess(Process process, int port, TimeSpan startedIn)
    {
        _process = process;
        Url = $"http://127.0.0.1:{port}";
        StartedIn = startedIn;
    }

    public string Url { get; }

    /// <summary>From process start to the first 200 from <c>/health/ready</c>.</summary>
    public TimeSpan StartedIn { get; }

    public int ProcessId => _process.Id;

    /// <summary>The settings every run uses: limits raised so the run measures work, not refusals.</summary>
    public static Dictionary<string, string> Settings(string database) => new()
    {
        ["ConnectionStrings__AuthPortal"] = $"Data Source={database}",
        ["Bootstrap__AdminEmail"] = "admin@bench.test",
        ["Bootstrap__AdminPassword"] = BenchSuite.Password,
        ["RateLimits__TokenPerMinute"] = "10000000",
        ["RateLimits__ApiPerMinute"] = "10000000",
        ["Lockout__MaxFailedAttempts"] = "100",
        ["Logging__LogLevel__Default"] = "Warning",
        ["Logging__LogLevel__AuthPortal.Requests"] = "Warning",
    };

    public static async Task<AppProcess> StartAsync(string appDll, IReadOnlyDictionary<string, string> settings, string environment = "Production")
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(appDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(appDll);
        start.Environment["Urls"] = $"http://127.0.0.1:{port}";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = environment;
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }
        var clock = Stopwatch.StartNew();
        var process = Process.Start(start)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { output.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { output.Enqueue(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        while (clock.Elapsed < TimeSpan.FromSeconds(120))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"AuthPortal exited with {process.ExitCode}: {string.Join('\n', output.TakeLast(20))}");
            }
            try
            {
                if ((await http.GetAsync($"http://127.0.0.1:{port}/health/ready")).IsSuccessStatusCode)
                {
                    return new AppProcess(process, port, clock.Elapsed);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }
            await Task.Delay(20);
        }
        process.Kill(entireProcessTree: true);
        throw new TimeoutException("AuthPortal was not ready within 120 s.");
    }

    /// <summary>Resident memory (VmRSS) in MB, from /proc.</summary>
    public double ResidentMegabytes() => ProcessFootprint.Read(_process.Id).ResidentMegabytes;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM first, as a service manager stops it (so a trace or log it writes is complete), then SIGKILL.
            using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        _process.Dispose();
    }
}
