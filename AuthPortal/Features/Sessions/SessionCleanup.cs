namespace AuthPortal.Features.Sessions;

/// <summary>Deletes sessions that ended more than 30 days ago, once an hour.</summary>
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
