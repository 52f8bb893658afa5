using AuthPortal.Infrastructure.Options;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;

namespace AuthPortal.Infrastructure.Hosting;

/// <summary>
/// The base address for links the portal sends out. <c>App:PublicUrl</c> wins, so a forged Host header
/// cannot point an emailed link at another site; without it, the request's address is used and
/// <c>AllowedHosts</c> limits which hosts are accepted at all.
/// </summary>
public sealed class PublicAddress(IOptions<AppOptions> options)
{
    public string? Configured => options.Value.PublicUrl is { Length: > 0 } url ? url.TrimEnd('/') + "/" : null;

    public string BaseUri(NavigationManager navigation) => Configured ?? navigation.BaseUri;
}
