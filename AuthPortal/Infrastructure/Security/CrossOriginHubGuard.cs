using AuthPortal.Infrastructure.Options;
using Microsoft.Extensions.Options;

namespace AuthPortal.Infrastructure.Security;

/// <summary>
/// The Blazor hub (<c>/_blazor</c>: negotiate and the WebSocket) and every form post answer only pages of this site. A
/// browser sends the victim's cookie with a cross-origin WebSocket, and SameSite=Lax does not stop a same-site attacker on
/// another port or subdomain, so the <c>Origin</c> header is checked: it must be this request's own origin or
/// App:PublicUrl's. Forms also carry an antiforgery token; the origin check refuses a foreign page before any of that is
/// read. <c>/api</c> is left to CORS: it takes bearer credentials only, which a browser never adds by itself.
/// </summary>
internal static class CrossOriginHubGuard
{
    public static IApplicationBuilder UseCrossOriginHubGuard(this IApplicationBuilder app) =>
        app.UseWhen(IsHubOrFormPost, guarded => guarded.Use(async (context, next) =>
        {
            var origin = context.Request.Headers.Origin.ToString();
            if (origin.Length > 0 && !IsOwnOrigin(origin, context))
            {
                // A plain refusal: neither the hub nor a form post is a page, so no "not found" page is rendered in its place.
                context.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>()?.Enabled = false;
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await context.Response.WriteAsync("Cross-origin requests to this portal's pages and live connection are not accepted.");
                return;
            }
            await next(context);
        }));

    private static bool IsHubOrFormPost(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/_blazor")
        || (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && !HttpMethods.IsOptions(context.Request.Method)
            && !context.Request.Path.StartsWithSegments("/api"));

    private static bool IsOwnOrigin(string origin, HttpContext context)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var sent))
        {
            return false;
        }
        var own = $"{context.Request.Scheme}://{context.Request.Host}";
        var configured = context.RequestServices.GetRequiredService<IOptions<AppOptions>>().Value.PublicUrl;
        return SameOrigin(sent, own) || (!string.IsNullOrEmpty(configured) && SameOrigin(sent, configured));
    }

    private static bool SameOrigin(Uri sent, string other) =>
        Uri.TryCreate(other, UriKind.Absolute, out var uri)
        && string.Equals(sent.Scheme, uri.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(sent.IdnHost, uri.IdnHost, StringComparison.OrdinalIgnoreCase)
        && sent.Port == uri.Port;
}
