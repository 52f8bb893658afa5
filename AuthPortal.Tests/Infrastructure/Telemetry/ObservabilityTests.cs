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

    [Fact]
    public void WithoutAnEndpointNothingIsCollectedOrExported()
    {
        using var portal = new PortalFactory(null);

        Assert.Null(portal.Services.GetService<OpenTelemetry.Metrics.MeterProvider>());
        Assert.Null(portal.Services.GetService<OpenTelemetry.Trace.TracerProvider>());
    }

    [Fact]
    public async Task OurCountersCountSignInsFailuresLockoutsTokensByGrantAndApiKeyUses()
    {
        using var portal = new PortalFactory(null, PortalSettings.WithAdministrator(DefaultPortal.AdminEmail));
        var meters = portal.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        var counted = new ConcurrentDictionary<string, long>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        // Only this portal's meter: other portals of the test run count into meters of their own.
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == AuthPortal.Infrastructure.Telemetry.PortalMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, meters))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var grant = tags.ToArray().FirstOrDefault(t => t.Key == "grant").Value;
            counted.AddOrUpdate(grant is null ? instrument.Name : $"{instrument.Name}/{grant}", value, (_, sum) => sum + value);
        });
        listener.Start();

        await portal.CreateUserAsync("counted@example.com");
        var client = portal.CreatePortalClient();
        var tokens = await client.GetTokensAsync("counted@example.com");
        await client.RefreshGrantAsync(tokens.RefreshToken);
        var key = (await (await client.SendWithTokenAsync(HttpMethod.Post, "/api/me/api-keys", tokens.AccessToken, new { name = "counted", expiresInDays = 7 })).JsonAsync()).GetProperty("key").GetString()!;
        await client.GetWithApiKeyHeaderAsync("/api/me", key);
        await client.PostAsync("/api/auth/token", new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_secret"] = key }));
        for (var i = 0; i < 5; i++)
        {
            await client.PasswordGrantAsync("counted@example.com", "wrong");
        }

        Assert.Equal(1, counted.GetValueOrDefault("authportal.tokens.issued/password"));
        Assert.Equal(1, counted.GetValueOrDefault("authportal.tokens.issued/refresh_token"));
        Assert.Equal(1, counted.GetValueOrDefault("authportal.tokens.issued/client_credentials"));
        Assert.Equal(2, counted.GetValueOrDefault("authportal.signins"));
        Assert.Equal(5, counted.GetValueOrDefault("authportal.signins.failed"));
        Assert.Equal(1, counted.GetValueOrDefault("authportal.lockouts"));
        Assert.True(counted.GetValueOrDefault("authportal.apikey.uses") >= 1, string.Join(", ", counted));
    }

    [Fact]
    public async Task JsonLogsCarryTheTraceAndRequestIds()
    {
        var directory = TestPaths.NewTempDirectory("json-logs");
        using var app = AuthPortal.Tests.ScaleOut.AppInstance.Start("json-logs", PostgresServer.FreePort(), new Dictionary<string, string>
        {
            ["ConnectionStrings:AuthPortal"] = $"Data Source={Path.Combine(directory, "authportal.db")}",
            ["Email:PickupDirectory"] = Path.Combine(directory, "mail"),
            ["Logging:Json"] = "true",
        });
        await app.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        using var http = new HttpClient { BaseAddress = new Uri(app.Url) };

        // A refused sign-in writes its audit line inside the request.
        await http.PasswordGrantAsync("nobody@example.com", "wrong");

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        string? line = null;
        while (line is null && !deadline.IsCancellationRequested)
        {
            line = app.Output.FirstOrDefault(l => l.Contains("signin.failed", StringComparison.Ordinal));
            await Task.Delay(100);
        }
        Assert.NotNull(line);
        using var json = System.Text.Json.JsonDocument.Parse(line!);
        var scopes = json.RootElement.GetProperty("Scopes").EnumerateArray().Where(s => s.ValueKind == System.Text.Json.JsonValueKind.Object).ToList();
        Assert.Contains(scopes, s => s.TryGetProperty("TraceId", out var id) && id.GetString()!.Length == 32);
        Assert.Contains(scopes, s => s.TryGetProperty("RequestId", out _));
        Assert.Equal("Information", json.RootElement.GetProperty("LogLevel").GetString());
    }
}
