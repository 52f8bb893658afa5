using Microsoft.AspNetCore.Authorization;

namespace AuthPortal.Infrastructure.Api;

/// <summary>
/// The one <c>/api</c> route group. Everything under it takes bearer credentials only (no cookies, so no CSRF
/// surface) and is rate-limited per principal, unless an endpoint opts out explicitly with
/// <see cref="AllowAnonymousWithTokenLimit{TBuilder}"/> (the token, revoke and register endpoints).
/// </summary>
public static class ApiGroup
{
    /// <summary>Authorization policy: authenticated by a bearer credential.</summary>
    public const string BearerPolicy = "api";

    /// <summary>Rate limit per principal for authenticated calls.</summary>
    public const string RateLimitPolicy = "api";

    /// <summary>Rate limit per client address for the anonymous auth endpoints.</summary>
    public const string TokenRateLimitPolicy = "token";

    /// <summary>The CORS policy of /api: the origins of Cors:AllowedOrigins, none by default.</summary>
    public const string CorsPolicy = "api";

    public static RouteGroupBuilder MapApiGroup(this IEndpointRouteBuilder app) =>
        app.MapGroup("/api").RequireAuthorization(BearerPolicy).RequireRateLimiting(RateLimitPolicy).RequireCors(CorsPolicy);

    /// <summary>An anonymous endpoint under /api: no bearer needed, limited per client address instead.</summary>
    public static TBuilder AllowAnonymousWithTokenLimit<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AllowAnonymous().RequireRateLimiting(TokenRateLimitPolicy);

    /// <summary>The bearer-only policy over the given bearer schemes (access tokens, API keys): never the cookie.</summary>
    public static AuthorizationBuilder AddBearerPolicy(this AuthorizationBuilder authorization, params string[] schemes) =>
        authorization.AddPolicy(BearerPolicy, policy => policy.AddAuthenticationSchemes(schemes).RequireAuthenticatedUser());
}
