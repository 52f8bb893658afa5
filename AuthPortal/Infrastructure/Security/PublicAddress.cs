using AuthPortal.Infrastructure.Options;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace AuthPortal.Infrastructure.Security;

/// <summary>
/// The one place that decides the portal's own address: the base of links it sends out and the token issuer.
/// <c>App:PublicUrl</c> wins, so a forged Host header cannot point an emailed link at another site. Without it, the
/// request's address is used only when its port is one the server listens on (<c>AllowedHosts</c> already limits the
/// host name), so <c>Host: localhost:1</c> cannot send a reset link to a port someone else controls; otherwise the
/// server's own first address is used. Production without App:PublicUrl logs a warning at start.
/// </summary>
public sealed class PublicAddress(IOptions<AppOptions> options, IServer? server = null)
{
    /// <summary>App:PublicUrl with a trailing slash, or null when it is not set.</summary>
    public string? Configured => FromConfiguredUrl(options.Value.PublicUrl);

    /// <summary>For interactive components.</summary>
    public string BaseUri(NavigationManager navigation) => Configured ?? Listened(navigation.BaseUri);

    /// <summary>For endpoints.</summary>
    public string BaseUri(HttpRequest request) => Configured ?? Listened($"{request.Scheme}://{request.Host}{request.PathBase}/");

    /// <summary>The address as asked for when the server listens on its port; else the server's first address.</summary>
    private string Listened(string asked)
    {
        var listening = server?.Features.Get<IServerAddressesFeature>()?.Addresses
            .Select(a => Uri.TryCreate(a.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal), UriKind.Absolute, out var uri) ? uri : null)
            .OfType<Uri>().ToList() ?? [];
        if (listening.Count == 0 || !Uri.TryCreate(asked, UriKind.Absolute, out var requested) || listening.Any(l => l.Port == requested.Port))
        {
            // No addresses to compare with (an in-process test server), or a port the server really listens on.
            return asked;
        }
        return listening[0].GetLeftPart(UriPartial.Authority) + "/";
    }

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
