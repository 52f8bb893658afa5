namespace AuthPortal.Infrastructure.Security;

internal static class LocalUrl
{
    /// <summary>
    /// Returns <paramref name="url"/> when it is a path on this site, otherwise "/".
    /// Prevents open redirects: "//evil.example", "/\evil.example", "https://evil.example" and
    /// "javascript:" all fall back to the home page.
    /// </summary>
    public static string OrHome(string? url)
    {
        if (string.IsNullOrEmpty(url))
        {
            return "/";
        }
        var isLocal = url[0] == '/'
            && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
            && !url.Any(char.IsControl);
        return isLocal ? url : "/";
    }
}
