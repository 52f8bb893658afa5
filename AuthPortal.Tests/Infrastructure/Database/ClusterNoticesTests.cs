using System.Collections.Concurrent;
using AuthPortal.Infrastructure.Database;
using Microsoft.Extensions.Logging.Abstractions;

namespace AuthPortal.Tests.Infrastructure.Database;

/// <summary>
/// Notices between instances over a real PostgreSQL server's LISTEN/NOTIFY: the other instance gets each one, in
/// order, a long list arrives whole across several notices, and an instance never handles its own.
/// </summary>
[Trait("Category", "Postgres")]
public sealed class ClusterNoticesTests
{
    private sealed class Recorder(string topic) : IClusterNoticeHandler
    {
        public string Topic => topic;
        public ConcurrentQueue<string> Values { get; } = new();
        public void OnNotice(IReadOnlyList<string> values)
        {
            foreach (var value in values)
            {
                Values.Enqueue(value);
            }
        }
    }

    private static (ClusterNotices Notices, Recorder Recorder, ServiceProvider Services) Instance(string connectionString)
    {
        var recorder = new Recorder("test.topic");
        var services = new ServiceCollection().AddSingleton<IClusterNoticeHandler>(recorder).BuildServiceProvider();
        return (new ClusterNotices(connectionString, services, NullLogger<ClusterNotices>.Instance), recorder, services);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (!condition() && !deadline.IsCancellationRequested)
        {
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task TheOtherInstanceGetsEveryNoticeInOrderAndNoInstanceHandlesItsOwn()
    {
        var connectionString = PostgresServer.Shared.CreateDatabase();
        var (a, fromB, aServices) = Instance(connectionString);
        var (b, fromA, bServices) = Instance(connectionString);
        using var stop = new CancellationTokenSource();
        await a.StartAsync(stop.Token);
        await b.StartAsync(stop.Token);
        await Task.WhenAll(a.Listening, b.Listening).WaitAsync(TimeSpan.FromSeconds(30));

        // 3,000 ids of 32 characters: far over one notice's 8,000 bytes.
        var many = Enumerable.Range(0, 3_000).Select(i => i.ToString("D32", System.Globalization.CultureInfo.InvariantCulture)).ToList();
        a.Send("test.topic", ["first"]);
        a.Send("test.topic", many);
        a.Send("other.topic", ["nobody handles this"]);
        a.Send("test.topic", ["last"]);
        await WaitForAsync(() => fromA.Values.Contains("last"));
        // Sent only once all of A's have arrived at B, so committed after them: PostgreSQL delivers notices in commit
        // order, and by the time A hears this one it has heard (and ignored) every one of its own.
        b.Send("test.topic", ["from b"]);
        await WaitForAsync(() => fromB.Values.Contains("from b"));
        Assert.Equal(["first", .. many, "last"], fromA.Values.ToList());
        Assert.Equal(["from b"], fromB.Values.ToList());

        await stop.CancelAsync();
        await a.StopAsync(CancellationToken.None);
        await b.StopAsync(CancellationToken.None);
        a.Dispose();
        b.Dispose();
        await aServices.DisposeAsync();
        await bServices.DisposeAsync();
    }

    [Fact]
    public async Task OnSqliteNothingIsSentOrListenedFor()
    {
        var (notices, recorder, services) = Instance(null!);
        await notices.StartAsync(CancellationToken.None);

        notices.Send("test.topic", ["ignored"]);

        Assert.False(notices.Enabled);
        Assert.True(notices.Listening.IsCompleted);
        Assert.Empty(recorder.Values);
        await notices.StopAsync(CancellationToken.None);
        notices.Dispose();
        await services.DisposeAsync();
    }
}
