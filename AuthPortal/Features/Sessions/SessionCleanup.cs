namespace AuthPortal.Features.Sessions;

/// <summary>
/// Once an hour: ends (and audits as <c>session.expired</c>) sessions past their timeouts that nobody presented again,
/// then deletes sessions that ended more than 30 days ago.
/// </summary>
internal sealed class SessionCleanup(SessionStore sessions, TimeProvider time, ILogger<SessionCleanup> logger) : BackgroundService
{
    public static readonly TimeSpan KeepEndedFor = TimeSpan.FromDays(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), time);
        do
        {
            try
            {
                var expired = await sessions.ExpireDueAsync(stoppingToken);
                if (expired > 0)
                {
                    logger.LogInformation("Ended {Count} sessions past their idle or absolute timeout", expired);
                }
                var deleted = await sessions.DeleteEndedAsync(KeepEndedFor, stoppingToken);
                if (deleted > 0)
                {
                    logger.LogInformation("Deleted {Count} sessions that ended more than 30 days ago", deleted);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Session cleanup failed; it runs again in an hour");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
