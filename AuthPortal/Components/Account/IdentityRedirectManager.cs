using AuthPortal.Infrastructure.Security;
using Microsoft.AspNetCore.Components;

namespace AuthPortal.Components.Account;

/// <summary>Redirects from static account pages, never off-site.</summary>
internal sealed class IdentityRedirectManager(NavigationManager navigationManager)
{
    public const string StatusCookieName = "Identity.StatusMessage";

    private static readonly CookieBuilder StatusCookieBuilder = new()
    {
        SameSite = SameSiteMode.Strict,
        HttpOnly = true,
        IsEssential = true,
        MaxAge = TimeSpan.FromSeconds(5),
    };

    /// <summary>Navigates to <paramref name="uri"/> when it is local; otherwise to the home page.</summary>
    public void RedirectTo(string? uri) => navigationManager.NavigateTo(LocalUrl.OrHome(ToLocal(uri)));

    public void RedirectTo(string uri, Dictionary<string, object?> queryParameters) =>
        RedirectTo(ToLocal(navigationManager.GetUriWithQueryParameters(navigationManager.ToAbsoluteUri(uri).GetLeftPart(UriPartial.Path), queryParameters)));

    public void RedirectToWithStatus(string uri, string message, HttpContext context)
    {
        context.Response.Cookies.Append(StatusCookieName, message, StatusCookieBuilder.Build(context));
        RedirectTo(uri);
    }

    // Absolute URLs on this site become paths and "Account/Login" becomes "/Account/Login";
    // anything else is left for LocalUrl to refuse.
    private string? ToLocal(string? uri)
    {
        if (uri is null || uri.StartsWith('/'))
        {
            return uri;
        }
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var absolute))
        {
            return Uri.IsWellFormedUriString(uri, UriKind.Relative) ? "/" + uri : uri;
        }
        return navigationManager.BaseUri.StartsWith(absolute.GetLeftPart(UriPartial.Authority) + "/", StringComparison.OrdinalIgnoreCase)
            ? absolute.PathAndQuery
            : uri;
    }
}
