using Microsoft.AspNetCore.Authentication.Cookies;

namespace AuthPortal.Infrastructure.Security;

/// <summary>
/// Names the auth cookie <c>__Host-AuthPortal</c> when the request came over HTTPS and
/// <c>AuthPortal</c> over plain HTTP (local development), because browsers refuse a <c>__Host-</c>
/// cookie that is not Secure. The <c>__Host-</c> prefix pins the cookie to this exact host and path /.
/// </summary>
internal sealed class SchemeAwareCookieManager : ICookieManager
{
    public const string BaseName = "AuthPortal";
    public const string HttpsName = "__Host-" + BaseName;

    private readonly ChunkingCookieManager _inner = new();

    public static string NameFor(HttpContext context) => context.Request.IsHttps ? HttpsName : BaseName;

    public string? GetRequestCookie(HttpContext context, string key) =>
        _inner.GetRequestCookie(context, NameFor(context));

    public void AppendResponseCookie(HttpContext context, string key, string? value, CookieOptions options)
    {
        if (context.Request.IsHttps)
        {
            // __Host- cookies must be Secure, have Path=/ and no Domain.
            options.Secure = true;
            options.Path = "/";
            options.Domain = null;
        }
        _inner.AppendResponseCookie(context, NameFor(context), value, options);
    }

    public void DeleteCookie(HttpContext context, string key, CookieOptions options) =>
        _inner.DeleteCookie(context, NameFor(context), options);
}
