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
        return isLocal ? AsciiOnly(url) : "/";
    }

    /// <summary>
    /// Percent-encodes what is not ASCII (as UTF-8, RFC 3986), so the URL fits a Location header: "/profile?q=é"
    /// must not turn a correct sign-in into a failure after the session was made.
    /// </summary>
    private static string AsciiOnly(string url)
    {
        if (url.All(char.IsAscii))
        {
            return url;
        }
        var builder = new System.Text.StringBuilder(url.Length * 2);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in url.EnumerateRunes())
        {
            if (rune.IsAscii)
            {
                builder.Append((char)rune.Value);
                continue;
            }
            var length = rune.EncodeToUtf8(utf8);
            foreach (var b in utf8[..length])
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return builder.ToString();
    }
}
