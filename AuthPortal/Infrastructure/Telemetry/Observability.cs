using Microsoft.Extensions.Logging.Console;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AuthPortal.Infrastructure.Telemetry;

/// <summary>
/// Logs, metrics and traces. <c>Logging:Json=true</c> writes one JSON object per line with its scopes (trace id, span
/// id, request id). <c>OpenTelemetry:Endpoint</c> turns on OTLP export of metrics (ASP.NET Core, Kestrel, EF Core,
/// <see cref="PortalMetrics"/>) and traces (requests, database commands); without it nothing is collected.
/// </summary>
public static class Observability
{
    public const string EndpointKey = "OpenTelemetry:Endpoint";
    public const string ProtocolKey = "OpenTelemetry:Protocol";

    public static WebApplicationBuilder AddAuthPortalObservability(this WebApplicationBuilder builder, params string[] traceSources)
    {
        builder.Services.AddSingleton<PortalMetrics>();
        if (builder.Configuration.GetValue<bool>("Logging:Json"))
        {
            builder.Services.Configure<ConsoleLoggerOptions>(o => o.FormatterName = ConsoleFormatterNames.Json);
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        var endpoint = builder.Configuration[EndpointKey];
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return builder;
        }
        var protocol = builder.Configuration[ProtocolKey] == "http/protobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        void Otlp(OtlpExporterOptions o)
        {
            o.Endpoint = new Uri(endpoint);
            o.Protocol = protocol;
        }
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("AuthPortal", serviceInstanceId: $"{Environment.MachineName}:{Environment.ProcessId}"))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddMeter(PortalMetrics.MeterName, "Microsoft.EntityFrameworkCore", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Components.Server.Circuits")
                .AddOtlpExporter(Otlp))
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !context.Request.Path.StartsWithSegments("/health"))
                .AddSource(traceSources)
                .AddOtlpExporter(Otlp));
        return builder;
    }
}
