using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;

namespace AuthPortal.Infrastructure.Api;

/// <summary>
/// The 429 answer to a browser on the account forms: a page in the portal's style (its stylesheet and colours) that
/// says how long to wait, instead of a bare status or a JSON body.
/// </summary>
internal static class TooManyRequestsPage
{
    public static async Task WriteAsync(HttpContext context, TimeSpan retryAfter)
    {
        var seconds = (int)Math.Ceiling(retryAfter.TotalSeconds);
        context.Features.Get<IStatusCodePagesFeature>()?.Enabled = false;
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync($$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1.0" />
                <title>Too many requests · AuthPortal</title>
                <link rel="stylesheet" href="/app.css" />
            </head>
            <body style="font-family:Roboto,Arial,sans-serif;background:#f5f5f5;margin:0">
                <main style="max-width:440px;margin:10vh auto;background:#fff;border-radius:8px;padding:32px;box-shadow:0 1px 3px rgba(0,0,0,.2)">
                    <div style="font-weight:600;color:#3949ab;font-size:18px">AuthPortal</div>
                    <h1 style="font-weight:500;font-size:24px">Too many requests</h1>
                    <p data-testid="too-many-requests">Too many attempts came from your network in a short time. Wait {{seconds.ToString(CultureInfo.InvariantCulture)}} seconds, then try again.</p>
                    <p><a href="/Account/Login">Back to sign in</a></p>
                </main>
            </body>
            </html>
            """);
    }
}
