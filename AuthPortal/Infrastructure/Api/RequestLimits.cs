using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace AuthPortal.Infrastructure.Api;

/// <summary>
/// The sizes a request may have, answered by the portal itself (with its security headers and a problem detail) rather
/// than by the server's bare refusal: a body over 1 MB gets 413, a URL over 8 KB gets 414, request headers over 32 KB get
/// 431. (A body whose Content-Type an endpoint does not take gets 415 from routing, named in its problem detail by
/// <c>ApiConventions</c>.) Kestrel's own limits are set above
/// these (<see cref="ConfigureServer"/>), so the portal's answer is the one a client meets.
/// </summary>
public static class RequestLimits
{
    public const long MaxBodyBytes = 1024 * 1024;
    public const int MaxUrlBytes = 8 * 1024;
    public const int MaxHeaderBytes = 32 * 1024;

    /// <summary>Kestrel refuses only what is well past the portal's limits (its answer has no headers of ours).</summary>
    public static void ConfigureServer(KestrelServerOptions kestrel)
    {
        kestrel.Limits.MaxRequestLineSize = MaxUrlBytes * 2;
        kestrel.Limits.MaxRequestHeadersTotalSize = MaxHeaderBytes * 2;
        kestrel.Limits.MaxRequestBodySize = MaxBodyBytes;
    }

    /// <summary>After the security headers, so every refusal here carries them.</summary>
    public static IApplicationBuilder UseRequestLimits(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (request.Path.Value?.Length + request.QueryString.Value?.Length > MaxUrlBytes)
            {
                await ApiProblem.WriteAsync(context, StatusCodes.Status414UriTooLong, "URL too long", $"A URL may be up to {MaxUrlBytes / 1024} KB.");
                return;
            }
            if (HeaderBytes(request.Headers) > MaxHeaderBytes)
            {
                await ApiProblem.WriteAsync(context, StatusCodes.Status431RequestHeaderFieldsTooLarge, "Request headers too large",
                    $"The request's headers may total up to {MaxHeaderBytes / 1024} KB.");
                return;
            }
            if (request.ContentLength > MaxBodyBytes)
            {
                await TooLargeAsync(context);
                return;
            }
            // A body sent without a length (chunked) is cut off by the server at the same size.
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
            {
                bodySize.MaxRequestBodySize = MaxBodyBytes;
            }
            try
            {
                await next(context);
            }
            catch (Microsoft.AspNetCore.Http.BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
            {
                await TooLargeAsync(context);
            }
        });

    /// <summary>
    /// The body types an endpoint takes, for the 415 that routing answers when a request's Content-Type is not one of
    /// them. Routing answers through an endpoint of its own, so the types come from the endpoint's metadata when it is
    /// at hand and otherwise from what /api takes: JSON, and a form too on the OAuth endpoints (RFC 6749).
    /// </summary>
    public static string AcceptedContentTypes(HttpContext context)
    {
        var types = context.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>()?.ContentTypes;
        if (types is { Count: > 0 })
        {
            return string.Join(" or ", types);
        }
        var path = context.Request.Path;
        return path.StartsWithSegments("/api/auth/token") || path.StartsWithSegments("/api/auth/revoke")
            ? "application/x-www-form-urlencoded or application/json"
            : "application/json";
    }

    private static Task TooLargeAsync(HttpContext context) =>
        ApiProblem.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "Request body too large", $"A request body may be up to {MaxBodyBytes / 1024 / 1024} MB.");

    private static long HeaderBytes(IHeaderDictionary headers)
    {
        long total = 0;
        foreach (var (name, values) in headers)
        {
            foreach (var value in values)
            {
                total += name.Length + (value?.Length ?? 0) + 4;
            }
        }
        return total;
    }
}
