using AuthPortal.Data;
using AuthPortal.Infrastructure.Options;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace AuthPortal.Infrastructure.Database;

internal static class DatabaseRegistration
{
    public const string ConnectionStringName = "AuthPortal";
    public const string DefaultConnectionString = "Data Source=App_Data/authportal.db";

    /// <summary>
    /// Registers <see cref="AppDbContext"/> as a pooled factory (interactive components create one
    /// context per operation) and as a scoped context (requests, Identity stores).
    /// Everything provider-specific lives here and in <see cref="SqliteTuning"/>.
    /// </summary>
    public static IServiceCollection AddAuthPortalDatabase(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        var provider = configuration[$"{DatabaseOptions.Section}:Provider"] ?? "Sqlite";
        var connectionString = configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            connectionString = DefaultConnectionString;
        }

        if (!string.Equals(provider, "Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            // DatabaseOptions validation reports this with the key name on start.
            services.AddDbContextFactory<AppDbContext>(_ => { });
            return services;
        }

        var sqlite = SqliteTuning.PrepareConnectionString(connectionString, contentRoot);
        services.AddSingleton(new SqliteTuning(sqlite));
        services.AddPooledDbContextFactory<AppDbContext>((sp, options) =>
        {
            options.UseSqlite(sqlite, o => o.MigrationsAssembly(typeof(AppDbContext).Assembly.FullName));
            options.AddInterceptors(sp.GetRequiredService<SqliteTuning>().Interceptor);
        });
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext());
        return services;
    }
}
