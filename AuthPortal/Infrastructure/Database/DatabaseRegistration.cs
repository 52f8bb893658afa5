using AuthPortal.Data;
using AuthPortal.Features.Audit;
using AuthPortal.Features.Roles;
using AuthPortal.Infrastructure.Options;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

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

        string? sqlite = null;
        string? problem = provider != "Sqlite" ? null : TryPrepare(connectionString, contentRoot, out sqlite);
        if (sqlite is null)
        {
            // Validation on start reports the bad key (DatabaseOptions for the provider, this one for the
            // connection string) before anything touches the database.
            if (problem is not null)
            {
                services.AddSingleton<IValidateOptions<DatabaseOptions>>(new ConnectionStringProblem(problem));
            }
            services.AddDbContextFactory<AppDbContext>(_ => { });
            return services;
        }

        services.AddSingleton(new SqliteTuning(sqlite));
        services.AddPooledDbContextFactory<AppDbContext>((sp, options) =>
        {
            options.UseSqlite(sqlite, o => o.MigrationsAssembly(typeof(AppDbContext).Assembly.FullName));
            options.AddInterceptors(sp.GetRequiredService<SqliteTuning>().Interceptor, sp.GetRequiredService<AuditChain>(),
                sp.GetRequiredService<PermissionChangeTracking>());
        });
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext());
        return services;
    }

    private static string? TryPrepare(string connectionString, string contentRoot, out string? prepared)
    {
        try
        {
            prepared = SqliteTuning.PrepareConnectionString(connectionString, contentRoot);
            return null;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or IOException or UnauthorizedAccessException)
        {
            prepared = null;
            return ex.Message;
        }
    }

    private sealed class ConnectionStringProblem(string problem) : IValidateOptions<DatabaseOptions>
    {
        public ValidateOptionsResult Validate(string? name, DatabaseOptions options) =>
            ValidateOptionsResult.Fail($"ConnectionStrings:{ConnectionStringName} is not a usable SQLite connection string: {problem}");
    }
}
