namespace AuthPortal.Features.Sessions;

/// <summary>Turns a User-Agent header into what a person recognises: "Chrome on Linux", "Safari on iPhone".</summary>
public static class UserAgentDescription
{
    public static string Describe(string? userAgent)
    {
        if (string.IsNullOrWhiteSpace(userAgent))
        {
            return "Unknown device";
        }
        var browser = Browser(userAgent);
        var system = OperatingSystem(userAgent);
        return system is null ? browser : $"{browser} on {system}";
    }

    private static string Browser(string ua) =>
        // Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
        Has(ua, "Edg/") ? "Edge"
        : Has(ua, "OPR/") || Has(ua, "Opera") ? "Opera"
        : Has(ua, "Firefox/") ? "Firefox"
        : Has(ua, "HeadlessChrome") ? "Headless Chrome"
        : Has(ua, "Chrome/") || Has(ua, "CriOS/") ? "Chrome"
        : Has(ua, "Safari/") ? "Safari"
        : Has(ua, "curl/") ? "curl"
        : Has(ua, "PowerShell") ? "PowerShell"
        : Has(ua, "python-requests") || Has(ua, "Python") ? "Python"
        : ua.Split('/', ' ')[0] is { Length: > 0 and <= 32 } product ? product : "Unknown browser";

    private static string? OperatingSystem(string ua) =>
        Has(ua, "iPhone") ? "iPhone"
        : Has(ua, "iPad") ? "iPad"
        : Has(ua, "Android") ? "Android"
        : Has(ua, "Windows") ? "Windows"
        : Has(ua, "Mac OS X") || Has(ua, "Macintosh") ? "macOS"
        : Has(ua, "CrOS") ? "ChromeOS"
        : Has(ua, "Linux") ? "Linux"
        : null;

    private static bool Has(string ua, string token) => ua.Contains(token, StringComparison.OrdinalIgnoreCase);
}
