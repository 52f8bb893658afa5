using System.Security.Cryptography;
using System.Threading.Channels;
using Npgsql;

namespace AuthPortal.Infrastructure.Database;

/// <summary>Reacts to a notice another instance sent (<see cref="ClusterNotices"/>): one topic, handled on this instance only.</summary>
public interface IClusterNoticeHandler
{
    string Topic { get; }

    void OnNotice(IReadOnlyList<string> values);
}

/// <summary>
/// Notices between instances that share one PostgreSQL database, over LISTEN/NOTIFY on one channel: a session ended,
/// permissions or an organization's members changed, an account's API keys must be forgotten. Live pages and caches on
/// the other instances follow at once instead of at their next re-check. NOTIFY is not durable (an instance that is
/// reconnecting misses what was sent meanwhile), so the caches' lifetime (<c>Sessions:RevalidationSeconds</c>) still
/// bounds how long another instance can lag; a notice only makes it sooner. Each instance ignores its own notices.
/// On SQLite (one instance) nothing is sent or listened for.
/// </summary>
public sealed class ClusterNotices(string? postgresConnectionString, IServiceProvider services, ILogger<ClusterNotices> logger) : BackgroundService
{
    public const string Channel = "authportal_notices";

    // A NOTIFY payload is at most 8,000 bytes: longer lists of ids go in several notices.
    private const int MaxPayloadLength = 7_000;

    private readonly string _instance = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
    private readonly Channel<(string Topic, IReadOnlyCollection<string> Values)> _outbox =
        System.Threading.Channels.Channel.CreateBounded<(string, IReadOnlyCollection<string>)>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private NpgsqlDataSource? _dataSource;
    private IReadOnlyDictionary<string, IClusterNoticeHandler>? _handlers;

    public bool Enabled => postgresConnectionString is not null;

    /// <summary>Completes once this instance listens (at once when there is nothing to listen to).</summary>
    public Task Listening => Enabled ? _listening.Task : Task.CompletedTask;

    /// <summary>
    /// Tells the other instances, after the change committed. It never waits and never fails the caller: notices go out
    /// in order from a queue, and one that cannot be sent is logged (the others catch up as their caches expire).
    /// </summary>
    public void Send(string topic, IReadOnlyCollection<string> values)
    {
        if (Enabled && values.Count > 0)
        {
            _outbox.Writer.TryWrite((topic, values.ToList()));
        }
    }

    // Not async itself: a SQLite process returns here without loading Npgsql (which the state machine would).
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Enabled ? ListenAndSendAsync(stoppingToken) : Task.CompletedTask;

    private async Task ListenAndSendAsync(CancellationToken stoppingToken)
    {
        // Keepalive: the listening connection sits idle, and a half-open one would otherwise drop notices without an error.
        _dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(postgresConnectionString) { MaxPoolSize = 2, Enlist = false, KeepAlive = 15 }.ConnectionString);
        await Task.WhenAll(ListenAsync(stoppingToken), SendQueuedAsync(stoppingToken));
    }

    public override void Dispose()
    {
        base.Dispose();
        _dataSource?.Dispose();
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _dataSource!.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) => Dispatch(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                _listening.TrySetResult();
                while (true)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Listening for other instances' notices failed; listening again in a second (caches still expire within Sessions:RevalidationSeconds)");
                await PauseAsync(stoppingToken);
            }
        }
    }

    private async Task SendQueuedAsync(CancellationToken stoppingToken)
    {
        NpgsqlConnection? connection = null;
        try
        {
            await foreach (var (topic, values) in _outbox.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    connection ??= await _dataSource!.OpenConnectionAsync(stoppingToken);
                    foreach (var payload in Payloads(topic, values))
                    {
                        await using var command = new NpgsqlCommand("SELECT pg_notify(@channel, @payload)", connection);
                        command.Parameters.AddWithValue("channel", Channel);
                        command.Parameters.AddWithValue("payload", payload);
                        await command.ExecuteNonQueryAsync(stoppingToken);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Could not tell the other instances about {Topic}; they notice within Sessions:RevalidationSeconds", topic);
                    if (connection is not null)
                    {
                        await connection.DisposeAsync();
                        connection = null;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    // "<instance>\n<topic>\n<value>\n<value>…": ids and topics never hold a line break.
    private IEnumerable<string> Payloads(string topic, IReadOnlyCollection<string> values)
    {
        var header = $"{_instance}\n{topic}";
        var payload = new System.Text.StringBuilder(header);
        foreach (var value in values)
        {
            if (payload.Length + value.Length + 1 > MaxPayloadLength && payload.Length > header.Length)
            {
                yield return payload.ToString();
                payload.Clear().Append(header);
            }
            payload.Append('\n').Append(value);
        }
        yield return payload.ToString();
    }

    private void Dispatch(string payload)
    {
        var lines = payload.Split('\n');
        if (lines.Length < 2 || lines[0] == _instance)
        {
            return;
        }
        // Resolved at the first notice: the handlers (session store, permission changes, …) depend on this service.
        _handlers ??= services.GetServices<IClusterNoticeHandler>().ToDictionary(h => h.Topic);
        if (!_handlers.TryGetValue(lines[1], out var handler))
        {
            return;
        }
        try
        {
            handler.OnNotice(lines[2..]);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Handling another instance's {Topic} notice failed", lines[1]);
        }
    }

    private static async Task PauseAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
