using System.Diagnostics;

namespace AuthPortal.Bench.Suite;

/// <summary>
/// A closed-loop load generator: <c>concurrency</c> workers each send the next request as soon as the last answered,
/// for a fixed time. Requests per second count successful answers only; a failure stops the run with its status.
/// The first <c>warmup</c> of the run is not counted: a fresh process runs its ReadyToRun code and tiers the hot
/// methods up to optimized code in those seconds, which is start-up, not the rate it then holds.
/// </summary>
internal static class LoadDriver
{
    public static HttpClient NewClient(string baseUrl) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10), UseCookies = false })
        {
            BaseAddress = new Uri(baseUrl),
            Timeout = TimeSpan.FromSeconds(60),
        };

    /// <param name="request">Makes worker <c>w</c>'s <c>n</c>th request (and may keep per-worker state in its closure).</param>
    public static async Task<double> RequestsPerSecondAsync(HttpClient http, int concurrency, TimeSpan warmup, TimeSpan duration,
        Func<int, long, HttpRequestMessage> request, Func<int, HttpResponseMessage, Task>? onAnswer = null)
    {
        long succeeded = 0;
        var clock = Stopwatch.StartNew();
        var end = warmup + duration;
        var workers = Enumerable.Range(0, concurrency).Select(async w =>
        {
            for (long n = 0; clock.Elapsed < end; n++)
            {
                using var response = await http.SendAsync(request(w, n));
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"{response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                }
                if (onAnswer is not null)
                {
                    await onAnswer(w, response);
                }
                else
                {
                    await response.Content.CopyToAsync(Stream.Null);
                }
                if (clock.Elapsed >= warmup)
                {
                    Interlocked.Increment(ref succeeded);
                }
            }
        }).ToList();
        await Task.WhenAll(workers);
        return succeeded / (clock.Elapsed - warmup).TotalSeconds;
    }

    /// <summary>Latencies of <paramref name="count"/> requests one after another, in milliseconds.</summary>
    public static async Task<List<double>> LatenciesAsync(HttpClient http, int count, Func<long, HttpRequestMessage> request)
    {
        var samples = new List<double>(count);
        for (long n = 0; n < count; n++)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await http.SendAsync(request(n));
            await response.Content.CopyToAsync(Stream.Null);
            samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"{response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}");
            }
        }
        return samples;
    }

    public static double Percentile(IReadOnlyCollection<double> values, int percentile)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Round(percentile / 100.0 * (sorted.Count - 1)), 0, sorted.Count - 1)];
    }
}
