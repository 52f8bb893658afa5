namespace AuthPortal.Infrastructure.Security;

/// <summary>Adds the headers every response carries (OWASP secure headers).</summary>
internal static class SecurityHeaders
{
    // MudBlazor sets inline style attributes, so styles need 'unsafe-inline'; scripts do not.
    // 'self' in connect-src covers the Blazor Server WebSocket on the same origin.
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; " +
        "frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                // The Scalar API reference page runs its own inline bootstrap script; only it gets that allowance.
                headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments("/scalar")
                    ? ContentSecurityPolicy.Replace("script-src 'self'", "script-src 'self' 'unsafe-inline'", StringComparison.Ordinal)
                    : ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
                headers["Cross-Origin-Opener-Policy"] = "same-origin";
                return Task.CompletedTask;
            });
            await next(context);
        });
}
