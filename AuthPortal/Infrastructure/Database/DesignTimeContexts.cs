using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace AuthPortal.Infrastructure.Database;

/// <summary>
/// For <c>dotnet ef migrations add … --context PostgresAppDbContext --output-dir Migrations/Postgres</c>: the tools
/// need the provider, not a server (making a migration never connects).
/// </summary>
internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresAppDbContext>
{
    public PostgresAppDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresAppDbContext>()
            .UseNpgsql("Host=127.0.0.1;Database=authportal_design", o => o.MigrationsAssembly(typeof(PostgresAppDbContext).Assembly.FullName))
            .Options);
}
