using System.Security.Claims;
using System.Text.Encodings.Web;
using AuthPortal.Features.Sessions;
using AuthPortal.Infrastructure.Api;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace AuthPortal.Features.ApiKeys;

/// <summary>
/// The "ApiKey" scheme: <c>Authorization: Bearer apk_…</c> or <c>X-Api-Key: apk_…</c>. The principal acts as the key's
/// owner (<c>sub</c>) within the key's scope, so the same permission check as for a JWT applies. Challenges are left to
/// the JWT scheme, which answers every 401 on /api the same way.
/// </summary>
public sealed class ApiKeyAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyStore keys, ApiKeyUsage usage)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (PresentedKey(Request) is not { } key)
        {
            return AuthenticateResult.NoResult();
        }
        if (await keys.AuthenticateAsync(key, Context.RequestAborted) is not { } identity)
        {
            return AuthenticateResult.Fail("The API key is invalid, expired or revoked.");
        }
        usage.Record(identity.KeyId, Context.Connection.RemoteIpAddress?.ToString());
        var claims = new ClaimsIdentity(identity.Claims.Select(c => new Claim(c.Key, c.Value)), SchemeName, SessionClaims.Subject, null);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(claims), SchemeName));
    }

    // The JWT scheme writes the 401 and 403 bodies for /api; this scheme adds nothing of its own.
    protected override Task HandleChallengeAsync(AuthenticationProperties properties) => Task.CompletedTask;

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => Task.CompletedTask;

    private static string? PresentedKey(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer " + ApiKeyFormat.Marker, StringComparison.OrdinalIgnoreCase))
        {
            return header[7..].Trim();
        }
        var apiKey = request.Headers[HeaderName].ToString().Trim();
        return apiKey.Length > 0 ? apiKey : null;
    }
}

/// <summary>Keeps API keys out of URLs.</summary>
public static class ApiKeyUrlGuard
{
    /// <summary>A key in a URL ends up in logs, histories and Referer headers: refused, and not logged.</summary>
    public static IApplicationBuilder UseNoApiKeysInUrls(this IApplicationBuilder app) =>
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/api"), api => api.Use(async (context, next) =>
        {
            if (context.Request.QueryString.Value?.Contains(ApiKeyFormat.Marker, StringComparison.OrdinalIgnoreCase) == true)
            {
                await ApiProblem.WriteAsync(context, StatusCodes.Status400BadRequest, "API key in the URL",
                    $"Send an API key in the Authorization header (Bearer) or in {ApiKeyAuthentication.HeaderName}, never in a URL. Revoke this key: a URL is logged and shared.");
                return;
            }
            await next(context);
        }));
}
