using System.Text.Json;
using AuthPortal.Features.Roles;
using AuthPortal.Features.Sessions;

namespace AuthPortal.Features.Tokens;

/// <summary>Discovery: other services validate AuthPortal's tokens with these alone, no shared secret.</summary>
public static class WellKnownApi
{
    public static IEndpointRouteBuilder MapWellKnownApi(this IEndpointRouteBuilder app)
    {
        var wellKnown = app.MapGroup("/.well-known").WithTags("Discovery").AllowAnonymous();
        wellKnown.MapGet("/jwks.json", async (SigningKeyRing keys, HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "public, max-age=300";
            var published = await keys.GetPublishedAsync(context.RequestAborted);
            return TypedResults.Ok(new { keys = published.Select(k => JsonSerializer.Deserialize<Dictionary<string, string>>(k.PublicJwk)) });
        }).WithSummary("The public keys (JWK Set) that sign access tokens, including retired keys still in use");
        wellKnown.MapGet("/openid-configuration", (TokenSettings settings) => TypedResults.Ok(new Dictionary<string, object>
        {
            ["issuer"] = settings.Issuer,
            ["jwks_uri"] = $"{settings.Issuer}/.well-known/jwks.json",
            ["token_endpoint"] = $"{settings.Issuer}/api/auth/token",
            ["revocation_endpoint"] = $"{settings.Issuer}/api/auth/revoke",
            ["grant_types_supported"] = new[] { "password", "refresh_token" },
            ["token_endpoint_auth_methods_supported"] = new[] { "none" },
            ["response_types_supported"] = new[] { "token" },
            ["subject_types_supported"] = new[] { "public" },
            ["id_token_signing_alg_values_supported"] = new[] { "ES256" },
            ["token_endpoint_auth_signing_alg_values_supported"] = new[] { "ES256" },
            ["scopes_supported"] = Permissions.System.Select(p => p.Name).ToArray(),
            ["claims_supported"] = new[] { SessionClaims.Subject, SessionClaims.SessionId, SessionClaims.Scope, "iss", "aud", "exp", "iat", "jti" },
        })).WithSummary("Discovery document (issuer, JWKS, endpoints)");
        return app;
    }
}
