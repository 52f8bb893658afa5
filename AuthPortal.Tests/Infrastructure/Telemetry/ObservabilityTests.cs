using System.Collections.Concurrent;
using System.Net;

namespace AuthPortal.Tests.Infrastructure.Telemetry;

/// <summary>OTLP export goes to the configured collector, and only when one is configured.</summary>
public sealed class ObservabilityTests
{
    /// <summary>A collector on loopback that records what arrives (OTLP over HTTP is a protobuf POST).</summary>
    private sealed class Collector : IDisposable
    {
        private readonly HttpListener _listener = new();

        public Collector()
        {
            Port = PostgresServer.FreePort();
            _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            _listener.Start();
            _ = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext context;
                    try
                    {
                        context = await _listener.GetContextAsync();
                    }
                    catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                    {
                        return;
                    }
                    using var body = new MemoryStream();
                    await context.Request.InputStream.CopyToAsync(body);
                    Received.Enqueue((context.Request.HttpMethod, context.Request.ContentType ?? "", body.Length));
                    context.Response.StatusCode = 200;
                    context.Response.Close();
                }
            });
        }

        public int Port { get; }
        public ConcurrentQueue<(string Method, string ContentType, long Length)> Received { get; } = new();

        public void Dispose() => _listener.Close();
    }

    [Fact]
    public async Task WithAnEndpointTracesGoToTheCollectorOverOtlp()
    {
        using var collector = new Collector();
        using var portal = new PortalFactory(null, new Dictionary<string, string?>
        {
            ["OpenTelemetry:Endpoint"] = $"http://127.0.0.1:{collector.Port}/",
            ["OpenTelemetry:Protocol"] = "http/protobuf",
        });
        var client = portal.CreatePortalClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/Account/Login")).StatusCode);

        // The batch exporter sends within seconds; wait for the export itself, bounded.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (collector.Received.IsEmpty && !deadline.IsCancellationRequested)
        {
            await Task.Delay(100);
        }

        var export = Assert.Single(collector.Received.Take(1));
        Assert.Equal("POST", export.Method);
        Assert.Equal("application/x-protobuf", export.ContentType);
        Assert.True(export.Length > 0);
    }
}
