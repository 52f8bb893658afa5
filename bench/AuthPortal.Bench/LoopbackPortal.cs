using AuthPortal.Data;
using AuthPortal.Features.Setup;
using AuthPortal.Infrastructure.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace AuthPortal.Bench;

/// <summary>The real app on Kestrel over loopback with its own SQLite file, for the end-to-end timing runs.</summary>
internal static class LoopbackPortal
{
    /// <summary>The admin's password, strong enough for any account a run creates.</summary>
    public const string Password = "correct horse battery staple";

    /// <summary>Starts the app in Production mode with <paramref name="settings"/> on top; the admin is <c>admin@{name}.test</c>.</summary>
    public static async Task<WebApplication> StartAsync(string name, IReadOnlyDictionary<string, string> settings)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"authportal-{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        // The app's name, so it finds its static-asset manifest (copied beside this program).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = "Production", ContentRootPath = directory, ApplicationName = typeof(AppDbContext).Assembly.GetName().Name,
        });
        builder.Configuration["ConnectionStrings:AuthPortal"] = $"Data Source={Path.Combine(directory, $"{name}.db")}";
        builder.Configuration["Logging:LogLevel:Default"] = "Warning";
        builder.Configuration["Bootstrap:AdminEmail"] = $"admin@{name}.test";
        builder.Configuration["Bootstrap:AdminPassword"] = Password;
        foreach (var (key, value) in settings)
        {
            builder.Configuration[key] = value;
        }
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddAuthPortal();
        builder.Services.AddSingleton(_ => new RunFolder(directory));
        var app = builder.Build();
        // Created by the container so that disposing the app deletes the run's files (the dashboard's million events
        // are a few hundred MB; every full run left about 2 GB in the temp folder).
        app.Services.GetRequiredService<RunFolder>();
        app.UseAuthPortal();
        await PortalInitializer.InitializeAsync(app);
        await app.StartAsync();
        return app;
    }

    /// <summary>The value below which <paramref name="percentile"/> per cent of the samples fall (nearest rank).</summary>
    public static double Percentile(List<double> values, int percentile)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Round(percentile / 100.0 * (sorted.Count - 1)), 0, sorted.Count - 1)];
    }
}
