namespace AuthPortal.Components.Shared;

/// <summary>The dark-mode choice, remembered per browser in a cookie that app.js writes.</summary>
public static class ThemePreference
{
    public const string CookieName = "ap-theme";

    public static bool IsDark(HttpContext? context) =>
        context?.Request.Cookies[CookieName] == "dark";
}
