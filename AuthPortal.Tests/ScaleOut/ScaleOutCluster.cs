using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace AuthPortal.Tests.ScaleOut;

/// <summary>One AuthPortal process (<c>dotnet AuthPortal.dll</c>, as an operator runs it) on a loopback port.</summary>
public sealed class AppInstance : IDisposable
{
    private readonly Process _process;

    private AppInstance(string name, int port, Process process)
    {
        Name = name;
        Port = port;
        _process = process;
    }

    public string Name { get; }
    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}";
    public int ProcessId => _process.Id;
    public ConcurrentQueue<string> Output { get; } = new();

    public static AppInstance Start(string name, int port, IReadOnlyDictionary<string, string> settings)
    {
        var appDirectory = Path.GetDirectoryName(typeof(Program).Assembly.Location)!;
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = appDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(appDirectory, "AuthPortal.dll"));
        // "Urls" from the environment outranks appsettings.json's (ASPNETCORE_URLS does not).
        start.Environment["Urls"] = $"http://127.0.0.1:{port}";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        var process = Process.Start(start)!;
        var instance = new AppInstance(name, port, process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { instance.Output.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { instance.Output.Enqueue("stderr: " + e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return instance;
    }

    /// <summary>Waits for <c>/health/ready</c>; fails with the instance's output when it exits or does not get there.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                await Task.Delay(500); // the rest of its output
                throw new InvalidOperationException($"Instance {Name} exited with {_process.ExitCode}:\n{string.Join('\n', Output.TakeLast(60))}");
            }
            try
            {
                if ((await http.GetAsync($"{Url}/health/ready")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException)
            {
                // listening, but its first answer (migrations, keys, first run) took longer than one probe waits on a busy
                // machine: ask again until the deadline
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"Instance {Name} was not ready within {timeout}:\n{string.Join('\n', Output.TakeLast(40))}");
    }

    /// <summary>Resident memory (VmRSS), open file descriptors and threads, as Linux reports them for the process now.</summary>
    public (double ResidentMegabytes, int OpenHandles, int Threads) Footprint() => ProcessFootprint.Read(_process.Id);

    /// <summary>SIGKILL: the process ends at once, with no shutdown code run (a power cut, the OOM killer).</summary>
    public void KillHard()
    {
        _process.Kill();
        _process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
    }
}

/// <summary>
/// Two AuthPortal processes on one PostgreSQL database behind nginx, all on loopback and started by the test: nginx runs
/// with <c>deploy/nginx/authportal.conf</c>, its example ports replaced by the instances' and its TLS lines left out.
/// Both instances start at the same moment on the empty database.
/// </summary>
public sealed class ScaleOutCluster : IAsyncLifetime
{
    public const string AdminEmail = "admin@scale.test";

    /// <summary>
    /// Sessions:RevalidationSeconds at its default: how long another instance's caches may lag when a notice is lost.
    /// The tests expect changes to arrive far sooner, through the instances' notices (LISTEN/NOTIFY).
    /// </summary>
    public const int RevalidationSeconds = 10;

    private Process? _nginx;

    public AppInstance A { get; private set; } = default!;
    public AppInstance B { get; private set; } = default!;
    public string ProxyUrl { get; private set; } = "";
    public string ConnectionString { get; private set; } = "";
    public string Directory_ { get; } = TestPaths.NewTempDirectory("scale");

    public AppInstance Other(AppInstance instance) => instance == A ? B : A;

    public AppInstance ByPort(int port) => port == A.Port ? A : port == B.Port ? B : throw new ArgumentException($"No instance on {port}.");

    public async Task InitializeAsync()
    {
        ConnectionString = PostgresServer.Shared.CreateDatabase();
        var certificate = Path.Combine(Directory_, "keyring.pfx");
        AuthPortal.Infrastructure.Security.KeyRingCertificate.Create(certificate);
        var proxyPort = PostgresServer.FreePort();
        var settings = new Dictionary<string, string>
        {
            ["Database:Provider"] = "Postgres",
            ["ConnectionStrings:AuthPortal"] = ConnectionString,
            ["DataProtection:CertificatePath"] = certificate,
            ["Bootstrap:AdminEmail"] = AdminEmail,
            ["Bootstrap:AdminPassword"] = Accounts.Password,
            ["App:PublicUrl"] = $"http://127.0.0.1:{proxyPort}",
            ["Proxy:KnownProxies:0"] = "127.0.0.1",
            ["Sessions:RevalidationSeconds"] = RevalidationSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Email:PickupDirectory"] = Path.Combine(Directory_, "mail"),
            ["RateLimits:TokenPerMinute"] = "10000",
            ["RateLimits:ApiPerMinute"] = "100000",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:AuthPortal.Setup"] = "Information",
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore.Migrations"] = "Information",
        };
        A = AppInstance.Start("A", PostgresServer.FreePort(), settings);
        B = AppInstance.Start("B", PostgresServer.FreePort(), settings);
        await Task.WhenAll(A.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)), B.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)));
        ProxyUrl = await StartNginxAsync(proxyPort);
    }

    private async Task<string> StartNginxAsync(int port)
    {
        var site = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "deploy", "nginx", "authportal.conf"));
        site = Regex.Replace(site, @"[ \t]*# tls-begin.*?# tls-end\r?\n", "", RegexOptions.Singleline);
        site = site.Replace("127.0.0.1:5001", $"127.0.0.1:{A.Port}", StringComparison.Ordinal)
            .Replace("127.0.0.1:5002", $"127.0.0.1:{B.Port}", StringComparison.Ordinal);
        // Test-only additions: where to listen, and which instance answered (to pick "the other one").
        site = site.Replace("    client_max_body_size", $"    listen 127.0.0.1:{port};\n    add_header X-Upstream $upstream_addr always;\n    client_max_body_size", StringComparison.Ordinal);
        var directory = Path.Combine(Directory_, "nginx");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "authportal.conf"), site);
        var config = Path.Combine(directory, "nginx.conf");
        File.WriteAllText(config, $$"""
            daemon off;
            worker_processes 1;
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/error.log warn;
            {{(Environment.UserName == "root" ? "user root;" : "")}}
            events { worker_connections 1024; }
            http {
                access_log off;
                client_body_temp_path {{directory}}/body;
                proxy_temp_path {{directory}}/proxy;
                fastcgi_temp_path {{directory}}/fastcgi;
                uwsgi_temp_path {{directory}}/uwsgi;
                scgi_temp_path {{directory}}/scgi;
                include {{directory}}/authportal.conf;
            }
            """);
        var nginx = File.Exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
        var start = new ProcessStartInfo(nginx) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-c", config, "-p", directory, "-e", Path.Combine(directory, "error.log") })
        {
            start.ArgumentList.Add(a);
        }
        _nginx = Process.Start(start)!;
        var url = $"http://127.0.0.1:{port}";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_nginx.HasExited)
            {
                throw new InvalidOperationException($"nginx exited: {await _nginx.StandardError.ReadToEndAsync()} {File.ReadAllText(Path.Combine(directory, "error.log"))}");
            }
            try
            {
                if ((await http.GetAsync($"{url}/health/live")).IsSuccessStatusCode)
                {
                    return url;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException)
            {
                // listening, but its first answer (migrations, keys, first run) took longer than one probe waits on a busy
                // machine: ask again until the deadline
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("nginx did not start.");
    }

    public Task DisposeAsync()
    {
        if (_nginx is { HasExited: false })
        {
            _nginx.Kill(entireProcessTree: true);
            _nginx.WaitForExit(10_000);
        }
        _nginx?.Dispose();
        A?.Dispose();
        B?.Dispose();
        return Task.CompletedTask;
    }
}
