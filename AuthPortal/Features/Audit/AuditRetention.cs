using AuthPortal.Data;
using AuthPortal.Infrastructure.Options;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AuthPortal.Features.Audit;

/// <summary>
/// Removes events older than <c>Audit:RetentionDays</c>, in one transaction with an <c>audit.retention</c> event that
/// records how many went and the hash of the last one removed (the anchor the first kept event links to), so the chain
/// still verifies from the first kept event and a removal without that record shows as a break.
/// </summary>
public sealed class AuditRetention(IDbContextFactory<AppDbContext> dbFactory, AuditLog audit, TimeProvider time, IOptions<AuditOptions> options)
{
    public async Task<int> ApplyAsync(CancellationToken cancellationToken = default)
    {
        var cutoff = time.GetUtcNow().AddDays(-options.Value.RetentionDays);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var lastOld = await db.AuditEvents.Where(e => e.OccurredAt < cutoff).OrderByDescending(e => e.Id)
            .Select(e => new { e.Id, e.Hash }).FirstOrDefaultAsync(cancellationToken);
        if (lastOld is null)
        {
            return 0;
        }
        var removed = await db.AuditEvents.Where(e => e.Id <= lastOld.Id).ExecuteDeleteAsync(cancellationToken);
        audit.Append(db, new AuditRecord(AuditActions.AuditRetention)
        {
            ActorKind = ActorKind.System,
            Details = new { removed, removedThrough = lastOld.Id, anchor = lastOld.Hash, olderThan = cutoff, options.Value.RetentionDays },
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return removed;
    }
}

/// <summary>
/// Hourly: applies retention and writes the chain's head (last id and hash) to the log, and writes the head once more at
/// shutdown, so a copy of the log kept elsewhere can anchor the chain.
/// </summary>
internal sealed class AuditMaintenance(AuditRetention retention, IDbContextFactory<AppDbContext> dbFactory, TimeProvider time, ILogger<AuditMaintenance> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), time);
        do
        {
            try
            {
                var removed = await retention.ApplyAsync(stoppingToken);
                if (removed > 0)
                {
                    logger.LogInformation("Audit retention removed {Count} events", removed);
                }
                await LogHeadAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Audit maintenance failed; it runs again in an hour");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await LogHeadAsync(cancellationToken);
        }
        catch (ObjectDisposedException)
        {
            // The host tore its services down before stopping this one (test hosts do): the hourly heads stand.
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not write the audit chain head at shutdown");
        }
    }

    private async Task LogHeadAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var head = await db.AuditEvents.AsNoTracking().OrderByDescending(e => e.Id).Select(e => new { e.Id, e.Hash }).FirstOrDefaultAsync(cancellationToken);
        if (head is not null)
        {
            logger.LogInformation("Audit chain head: event {Id} hash {Hash}", head.Id, head.Hash);
        }
    }
}
