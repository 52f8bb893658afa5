using System.Threading.Channels;

namespace AuthPortal.Infrastructure.Email;

/// <summary>
/// Mail goes out in the background: a request only queues it, so no answer waits for a mail server, and an answer
/// that sends mail takes as long as one that does not (timing would otherwise tell which addresses have accounts).
/// <see cref="MailDispatcher"/> delivers through <see cref="MailKitMailSender"/>, with a few retries.
/// </summary>
public sealed class MailQueue : IMailSender
{
    private readonly Channel<OutgoingMail> _channel = Channel.CreateUnbounded<OutgoingMail>(new UnboundedChannelOptions { SingleReader = true });
    private readonly object _idleLock = new();
    private int _inFlight;
    private TaskCompletionSource _idle = CompletedSource();

    public Task SendAsync(OutgoingMail mail, CancellationToken cancellationToken = default)
    {
        lock (_idleLock)
        {
            if (_inFlight++ == 0)
            {
                _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
        return _channel.Writer.WriteAsync(mail, cancellationToken).AsTask();
    }

    /// <summary>Completes when every queued message has been delivered or given up on (tests, shutdown).</summary>
    public Task WhenIdleAsync()
    {
        lock (_idleLock)
        {
            return _idle.Task;
        }
    }

    internal ChannelReader<OutgoingMail> Reader => _channel.Reader;

    internal void Done()
    {
        lock (_idleLock)
        {
            if (--_inFlight == 0)
            {
                _idle.TrySetResult();
            }
        }
    }

    private static TaskCompletionSource CompletedSource()
    {
        var source = new TaskCompletionSource();
        source.SetResult();
        return source;
    }
}

/// <summary>Delivers queued mail; a message that still fails after the retries is logged, never lost silently.</summary>
internal sealed class MailDispatcher(MailQueue queue, MailKitMailSender transport, TimeProvider time, ILogger<MailDispatcher> logger) : BackgroundService
{
    private static readonly IReadOnlyList<TimeSpan> RetryAfter = [TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10)];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var mail in queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await DeliverAsync(mail, stoppingToken);
            }
            finally
            {
                queue.Done();
            }
        }
    }

    private async Task DeliverAsync(OutgoingMail mail, CancellationToken stoppingToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await transport.SendAsync(mail, stoppingToken);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                if (attempt >= RetryAfter.Count || IsPermanent(ex))
                {
                    logger.LogError(ex, "Could not send \"{Subject}\" to {To}; the person can ask for it again", mail.Subject, mail.To);
                    return;
                }
                logger.LogWarning("Sending \"{Subject}\" to {To} failed ({Error}); trying again", mail.Subject, mail.To, ex.Message);
                await Task.Delay(RetryAfter[attempt], time, stoppingToken);
            }
        }
    }

    // A server without TLS (when TLS is required) will not grow it in ten seconds.
    private static bool IsPermanent(Exception ex) => ex is NotSupportedException or MailKit.Security.SslHandshakeException;
}
