using AuthPortal.Data;
using AuthPortal.Features.Sessions;
using AuthPortal.Features.Setup;
using AuthPortal.Infrastructure.Hosting;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace AuthPortal.Bench;

/// <summary>
/// What validating the session costs on every request (issue: "session validation must not cost a database
/// round trip per request"). Baseline: reading the session row each time (bypassing the cache), which is what
/// a naive check does. Measured: the cached path every request takes between touches.
/// </summary>
[MemoryDiagnoser]
public class SessionValidationBenchmark
{
    private WebApplication _app = default!;
    private SessionStore _sessions = default!;
    private string _userId = "";
    private string _sessionId = "";

    [GlobalSetup]
    public async Task SetUpAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"authportal-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production", ContentRootPath = directory });
        builder.Configuration["ConnectionStrings:AuthPortal"] = $"Data Source={Path.Combine(directory, "bench.db")}";
        builder.Configuration["Logging:LogLevel:Default"] = "Warning";
        builder.AddAuthPortal();
        _app = builder.Build();
        await PortalInitializer.MigrateAsync(_app.Services);

        await using var scope = _app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = new AppUser { UserName = "bench@example.com", Email = "bench@example.com", EmailConfirmed = true, DisplayName = "Bench", CreatedAt = DateTimeOffset.UtcNow };
        await users.CreateAsync(user);
        _userId = user.Id;
        _sessions = _app.Services.GetRequiredService<SessionStore>();
        _sessionId = (await _sessions.StartAsync(_userId, SessionKind.Browser, "127.0.0.1", "bench")).Id;
    }

    [GlobalCleanup]
    public async Task CleanUpAsync() => await _app.DisposeAsync();

    [Benchmark(Baseline = true, Description = "read the session row (no cache)")]
    public Task<bool> DatabaseRead() => _sessions.ValidateAsync(_sessionId, _userId, bypassCache: true);

    [Benchmark(Description = "cached validation (per request)")]
    public Task<bool> Cached() => _sessions.ValidateAsync(_sessionId, _userId);
}
