using AuthPortal.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AuthPortal.Infrastructure.Database;

/// <summary>
/// Part of <c>/health/ready</c>: an instance whose database still lacks a migration this version needs is not ready
/// (another instance may be migrating it right now; once it is done, this one turns ready).
/// </summary>
public sealed class MigrationsHealthCheck(IDbContextFactory<AppDbContext> dbFactory) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        return pending.Count == 0
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy($"{pending.Count} migration(s) pending, first {pending[0]}: run 'dotnet AuthPortal.dll migrate' or restart an instance.");
    }
}
