namespace AuthPortal.Features.Sessions;

/// <summary>
/// Once an hour: deletes sessions that ended more than 30 days ago, then ends (and audits as <c>session.expired</c>)
/// sessions past their timeouts that nobody presented again.
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
                // Deleted first: a session that ran out long ago goes without a belated event dated now.
                var deleted = await sessions.DeleteEndedAsync(KeepEndedFor, stoppingToken);
                if (deleted > 0)
                {
                    logger.LogInformation("Deleted {Count} sessions that ended more than 30 days ago", deleted);
                }
                var expired = await sessions.ExpireDueAsync(stoppingToken);
                if (expired > 0)
                {
                    logger.LogInformation("Ended {Count} sessions past their idle or absolute timeout", expired);
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
