using AuthPortal.Data;
using Microsoft.EntityFrameworkCore;

namespace AuthPortal.Infrastructure.Database;

/// <summary>
/// <see cref="AppDbContext"/> on PostgreSQL. The model is the same; the type exists so EF Core keeps a migrations set
/// per provider (migrations belong to the context type they were made for): <c>Migrations/Postgres</c> is this one's,
/// <c>Migrations/Sqlite</c> the base type's.
/// </summary>
public sealed class PostgresAppDbContext(DbContextOptions<PostgresAppDbContext> options) : AppDbContext(options);

/// <summary>Hands out the provider's context as the <see cref="AppDbContext"/> every feature asks for.</summary>
internal sealed class ProviderContextFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<AppDbContext>
    where TContext : AppDbContext
{
    public AppDbContext CreateDbContext() => inner.CreateDbContext();

    public async Task<AppDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default) =>
        await inner.CreateDbContextAsync(cancellationToken);
}
