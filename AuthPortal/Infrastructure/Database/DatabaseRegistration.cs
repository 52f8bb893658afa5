using AuthPortal.Data;
using AuthPortal.Infrastructure.Options;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace AuthPortal.Infrastructure.Database;

internal static class DatabaseRegistration
{
    public const string ConnectionStringName = "AuthPortal";
    public const string DefaultConnectionString = "Data Source=App_Data/authportal.db";

    /// <summary>
    /// Registers <see cref="AppDbContext"/> as a pooled factory (interactive components create one
    /// context per operation) and as a scoped context (requests, Identity stores), on SQLite (the default)
    /// or, with <c>Database:Provider=Postgres</c>, on PostgreSQL through <see cref="PostgresAppDbContext"/>.
    /// Everything provider-specific lives in this folder. Features add their EF Core interceptors (the audit chain,
    /// permission-change tracking) as <see cref="IInterceptor"/> services; every context gets them.
    /// </summary>
    public static IServiceCollection AddAuthPortalDatabase(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        var provider = configuration[$"{DatabaseOptions.Section}:Provider"] ?? DatabaseOptions.Sqlite;
        var connectionString = configuration.GetConnectionString(ConnectionStringName);
        // Several instances share only a PostgreSQL database; on SQLite there is nobody to tell.
        var noticesConnection = provider == DatabaseOptions.Postgres && !string.IsNullOrWhiteSpace(connectionString) && PostgresConnection.Problem(connectionString) is null
            ? connectionString : null;
        services.AddSingleton(sp => new ClusterNotices(noticesConnection, sp, sp.GetRequiredService<ILogger<ClusterNotices>>()));
        services.AddHostedService(sp => sp.GetRequiredService<ClusterNotices>());
        if (provider == DatabaseOptions.Postgres)
        {
            return AddPostgres(services, connectionString);
        }
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            connectionString = DefaultConnectionString;
        }

        string? sqlite = null;
        string? problem = provider != DatabaseOptions.Sqlite ? null : TryPrepare(connectionString, contentRoot, out sqlite);
        if (sqlite is null)
        {
            // Validation on start reports the bad key (DatabaseOptions for the provider, this one for the
            // connection string) before anything touches the database.
            if (problem is not null)
            {
                services.AddSingleton<IValidateOptions<DatabaseOptions>>(new ConnectionStringProblem($"is not a usable SQLite connection string: {problem}"));
            }
            services.AddDbContextFactory<AppDbContext>(_ => { });
            return services;
        }

        services.AddSingleton(new SqliteTuning(sqlite));
        services.AddPooledDbContextFactory<AppDbContext>((sp, options) =>
        {
            options.UseSqlite(sqlite, o => o.MigrationsAssembly(typeof(AppDbContext).Assembly.FullName));
            options.AddInterceptors([.. sp.GetRequiredService<SqliteTuning>().Interceptors, .. sp.GetServices<IInterceptor>()]);
        });
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext());
        return services;
    }

    private static IServiceCollection AddPostgres(IServiceCollection services, string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString) || PostgresConnection.Problem(connectionString) is { } problem)
        {
            services.AddSingleton<IValidateOptions<DatabaseOptions>>(new ConnectionStringProblem(string.IsNullOrWhiteSpace(connectionString)
                ? "is required when Database:Provider is Postgres (for example Host=127.0.0.1;Database=authportal;Username=authportal;Password=…)"
                : $"is not a usable PostgreSQL connection string: {PostgresConnection.Problem(connectionString)}"));
            services.AddDbContextFactory<AppDbContext>(_ => { });
            return services;
        }
        services.AddPooledDbContextFactory<PostgresAppDbContext>((sp, options) =>
        {
            options.UseNpgsql(connectionString, o => o.MigrationsAssembly(typeof(AppDbContext).Assembly.FullName));
            options.AddInterceptors(sp.GetServices<IInterceptor>());
        });
        services.AddSingleton<IDbContextFactory<AppDbContext>, ProviderContextFactory<PostgresAppDbContext>>();
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
            ValidateOptionsResult.Fail($"ConnectionStrings:{ConnectionStringName} {problem}");
    }

    private static class PostgresConnection
    {
        public static string? Problem(string connectionString)
        {
            try
            {
                var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
                return string.IsNullOrWhiteSpace(builder.Host) ? "it names no Host" : null;
            }
            catch (ArgumentException ex)
            {
                return ex.Message;
            }
        }
    }
}
