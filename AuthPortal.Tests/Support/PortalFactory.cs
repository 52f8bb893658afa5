using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;

namespace AuthPortal.Tests.Support;

/// <summary>
/// The real app over HTTP on its own SQLite file (or PostgreSQL database: <see cref="TestDatabase"/>) and pickup directory. Settings are passed as
/// configuration so the app reads them the way it reads appsettings.json.
/// </summary>
public class PortalFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;

    public PortalFactory(string? directory, IDictionary<string, string?>? settings = null, string environment = "Development")
    {
        Directory_ = directory ?? TestPaths.NewTempDirectory("portal");
        Environment = environment;
        _settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:AuthPortal"] = $"Data Source={DatabasePath}",
            ["Email:PickupDirectory"] = MailDirectory,
            // Every test client shares one address; the rate-limit tests set their own small limits.
            ["RateLimits:TokenPerMinute"] = "10000",
            ["RateLimits:ApiPerMinute"] = "100000",
        };
        if (TestDatabase.IsPostgres)
        {
            // The same portal on PostgreSQL: a database of its own, named after the directory, so a test that restarts
            // a portal on the same directory finds its data again.
            _settings["Database:Provider"] = "Postgres";
            _settings["ConnectionStrings:AuthPortal"] = PostgresServer.Shared.CreateDatabase("p_" + Path.GetFileName(Directory_).Replace("-", "_", StringComparison.Ordinal)[..Math.Min(40, Path.GetFileName(Directory_).Length)]);
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public string Directory_ { get; }
    public string Environment { get; }
    public string DatabasePath => Path.Combine(Directory_, "authportal.db");
    public string MailDirectory => Path.Combine(Directory_, "mail");
    public ConcurrentQueue<string> LogLines { get; } = new();

    /// <summary>The pickup directory, once every queued message has been delivered (mail goes out in the background).</summary>
    public Mailbox Mailbox
    {
        get
        {
            DeliverQueuedMailAsync().GetAwaiter().GetResult();
            return new Mailbox(MailDirectory);
        }
    }

    /// <summary>Waits until the app has delivered (or given up on) every message it queued.</summary>
    public Task DeliverQueuedMailAsync() =>
        Services.GetRequiredService<AuthPortal.Infrastructure.Email.MailQueue>().WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(60));

    /// <summary>Extra registrations for one test (instrumentation around a real service, never a fake of one).</summary>
    public Action<IServiceCollection>? TestServices { get; init; }

    /// <summary>Set before the app starts to run it on a clock the test moves.</summary>
    public Microsoft.Extensions.Time.Testing.FakeTimeProvider? Clock { get; init; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(Environment);
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureLogging(logging => logging.AddProvider(new CapturingLoggerProvider(LogLines)));
        builder.ConfigureServices(services => services.AddSingleton<Microsoft.AspNetCore.Hosting.IStartupFilter, ClientAddressFilter>());
        if (TestServices is not null)
        {
            builder.ConfigureServices(TestServices);
        }
        if (Clock is not null)
        {
            builder.ConfigureServices(services => services.AddSingleton<TimeProvider>(Clock));
        }
    }

    public HttpClient CreatePortalClient(string baseAddress = "http://localhost") =>
        CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true, BaseAddress = new Uri(baseAddress) });

    public async Task<T> WithDbAsync<T>(Func<AppDbContext, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<AppDbContext>());
    }

    /// <summary>The setup link the app printed at start, or null.</summary>
    public string? SetupTokenFromLog()
    {
        _ = Services; // make sure the app has started
        var line = LogLines.LastOrDefault(l => l.Contains("/setup?token=", StringComparison.Ordinal));
        return line is null ? null : line[(line.IndexOf("token=", StringComparison.Ordinal) + 6)..].Split(' ')[0];
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (TestDatabase.IsPostgres)
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
        }
    }
}

/// <summary>
/// TestServer connections have no remote address; a test can give a request one with the header
/// X-Test-Client-Ip, as if it came from that machine (used to tell apart per-address rate limits).
/// </summary>
internal sealed class ClientAddressFilter : Microsoft.AspNetCore.Hosting.IStartupFilter
{
    public Action<Microsoft.AspNetCore.Builder.IApplicationBuilder> Configure(Action<Microsoft.AspNetCore.Builder.IApplicationBuilder> next) => app =>
    {
        app.Use(async (HttpContext context, Func<Task> nextMiddleware) =>
        {
            if (System.Net.IPAddress.TryParse(context.Request.Headers["X-Test-Client-Ip"], out var address))
            {
                context.Connection.RemoteIpAddress = address;
            }
            await nextMiddleware();
        });
        next(app);
    };
}

public static class PortalSettings
{
    /// <summary>Settings for a portal whose administrator is created at start (Bootstrap:*), plus any extra keys.</summary>
    public static Dictionary<string, string?> WithAdministrator(string email, params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Bootstrap:AdminEmail"] = email,
            ["Bootstrap:AdminPassword"] = Accounts.Password,
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }
        return settings;
    }
}

/// <summary>A portal with default settings and a bootstrapped administrator, shared by the tests of one class.</summary>
public sealed class DefaultPortal() : PortalFactory(null, PortalSettings.WithAdministrator(AdminEmail))
{
    public const string AdminEmail = "admin@portal.test";
}

/// <summary>A portal like <see cref="DefaultPortal"/> on a clock the tests of one class move (TimeProvider): no sleeping.</summary>
public sealed class ClockPortal : PortalFactory
{
    public ClockPortal() : base(null, PortalSettings.WithAdministrator(DefaultPortal.AdminEmail)) =>
        Clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
}

public sealed class CapturingLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, lines);
    public void Dispose() { }

    private sealed class CapturingLogger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}");
            }
        }
    }
}

public static class TestPaths
{
    public static string NewTempDirectory(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), "authportal-tests", $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>The repository root (the folder holding AuthPortal.sln).</summary>
    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AuthPortal.sln")))
            {
                dir = dir.Parent;
            }
            return dir?.FullName ?? throw new InvalidOperationException("AuthPortal.sln not found above the test binaries.");
        }
    }
}
