using System.Diagnostics;
using System.Text.RegularExpressions;

namespace AuthPortal.Infrastructure.Hosting;

/// <summary>
/// Every response carries an <c>X-Request-ID</c> (the caller's own when it sends a sensible one, so a script can match
/// its logs with ours), and every request is logged once with method, path, status and duration. Query strings are
/// not logged: emailed links carry their codes there.
/// </summary>
internal static partial class RequestTracing
{
    public const string Header = "X-Request-ID";

    public static IApplicationBuilder UseRequestTracing(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("AuthPortal.Requests");
        return app.Use(async (context, next) =>
        {
            var sent = context.Request.Headers[Header].ToString();
            var requestId = SensibleId().IsMatch(sent) ? sent : Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier;
            context.TraceIdentifier = requestId;
            context.Response.OnStarting(() =>
            {
                context.Response.Headers[Header] = requestId;
                return Task.CompletedTask;
            });
            var started = Stopwatch.GetTimestamp();
            using (logger.BeginScope(new Dictionary<string, object> { ["RequestId"] = requestId }))
            {
                try
                {
                    await next(context);
                }
                finally
                {
                    logger.LogInformation("HTTP {Method} {Path} responded {StatusCode} in {ElapsedMilliseconds:0.0} ms",
                        context.Request.Method, context.Request.Path.Value, context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }
        });
    }

    // Letters, digits and a few separators, at most 64: anything else (or nothing) gets an id of ours.
    [GeneratedRegex("^[A-Za-z0-9._:-]{1,64}$")]
    private static partial Regex SensibleId();
}
