using AuthPortal.Infrastructure.Options;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;

namespace AuthPortal.Infrastructure.Security;

/// <summary>
/// The one place that decides the portal's own address: the base of links it sends out and the token issuer.
/// <c>App:PublicUrl</c> wins, so a forged Host header cannot point an emailed link at another site; without it,
/// the request's address is used and <c>AllowedHosts</c> limits which hosts are accepted at all.
/// </summary>
public sealed class PublicAddress(IOptions<AppOptions> options)
{
    /// <summary>App:PublicUrl with a trailing slash, or null when it is not set.</summary>
    public string? Configured => FromConfiguredUrl(options.Value.PublicUrl);

    /// <summary>For interactive components.</summary>
    public string BaseUri(NavigationManager navigation) => Configured ?? navigation.BaseUri;

    /// <summary>For endpoints.</summary>
    public string BaseUri(HttpRequest request) => Configured ?? $"{request.Scheme}://{request.Host}{request.PathBase}/";

    /// <summary>
    /// The address the portal is reached at when no request is at hand (start-up, the token issuer):
    /// App:PublicUrl, else the first of <c>Urls</c>, else ASP.NET Core's default. No trailing slash.
    /// </summary>
    public static string WithoutRequest(IConfiguration configuration)
    {
        var configured = FromConfiguredUrl(configuration[$"{AppOptions.Section}:PublicUrl"]);
        return (configured ?? (configuration["Urls"] ?? "http://localhost:5000").Split(';')[0]).TrimEnd('/');
    }

    private static string? FromConfiguredUrl(string? url) => url is { Length: > 0 } ? url.TrimEnd('/') + "/" : null;
}
