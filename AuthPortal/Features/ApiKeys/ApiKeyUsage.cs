using System.Collections.Concurrent;
using System.Globalization;
using AuthPortal.Data;
using Microsoft.EntityFrameworkCore;

namespace AuthPortal.Features.ApiKeys;

/// <summary>
/// Last use (time, address) and request counts of API keys, gathered in memory and written in batches, so a request
/// made with a key costs no database write. <see cref="ApiKeyUsageWriter"/> flushes every few seconds and at shutdown.
/// </summary>
public sealed class ApiKeyUsage(IDbContextFactory<AppDbContext> dbFactory, TimeProvider time, Infrastructure.Telemetry.PortalMetrics metrics)
{
    private sealed record Use(DateTimeOffset LastAt, string? LastIp, long Requests);

    private ConcurrentDictionary<string, Use> _pending = new();

    /// <summary>The UTC day as yyyyMMdd, the key of <see cref="ApiKeyDailyUse"/> rows.</summary>
    public static int DayOf(DateTimeOffset instant) =>
        int.Parse(instant.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    public void Record(string keyId, string? ipAddress)
    {
        metrics.ApiKeyUsed();
        var now = time.GetUtcNow();
        _pending.AddOrUpdate(keyId, _ => new Use(now, ipAddress, 1), (_, use) => new Use(now, ipAddress, use.Requests + 1));
    }

    /// <summary>Writes what was gathered since the last flush.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var batch = Interlocked.Exchange(ref _pending, new ConcurrentDictionary<string, Use>());
        if (batch.IsEmpty)
        {
            return;
        }
        var day = DayOf(time.GetUtcNow());
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        foreach (var (keyId, use) in batch)
        {
            await db.ApiKeys.Where(k => k.Id == keyId)
                .ExecuteUpdateAsync(set => set.SetProperty(k => k.LastUsedAt, use.LastAt).SetProperty(k => k.LastUsedIp, use.LastIp), cancellationToken);
            var counted = await db.ApiKeyDailyUses.Where(u => u.ApiKeyId == keyId && u.Day == day)
                .ExecuteUpdateAsync(set => set.SetProperty(u => u.Requests, u => u.Requests + use.Requests), cancellationToken);
            if (counted == 0 && await db.ApiKeys.AnyAsync(k => k.Id == keyId, cancellationToken))
            {
                db.ApiKeyDailyUses.Add(new ApiKeyDailyUse { ApiKeyId = keyId, Day = day, Requests = use.Requests });
            }
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}

/// <summary>Flushes <see cref="ApiKeyUsage"/> every few seconds and once more at shutdown.</summary>
internal sealed class ApiKeyUsageWriter(ApiKeyUsage usage, TimeProvider time, ILogger<ApiKeyUsageWriter> logger) : BackgroundService
{
    public static readonly TimeSpan Every = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Every, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping: the last flush follows.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(cancellationToken);
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            await usage.FlushAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Could not record API key use; it is counted again from now on");
        }
    }
}
