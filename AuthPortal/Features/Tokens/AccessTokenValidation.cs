using AuthPortal.Features.Sessions;
using AuthPortal.Infrastructure.Api;
using AuthPortal.Infrastructure.Options;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AuthPortal.Features.Tokens;

/// <summary>The token services, and how /api validates bearer access tokens.</summary>
public static class AccessTokenValidation
{
    public const string Scheme = JwtBearerDefaults.AuthenticationScheme;
    public const string AccessTokenType = "at+jwt";
    public const int ClockSkewSeconds = 30;

    public static IServiceCollection AddAccessTokens(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(TokenSettings.From(configuration));
        services.AddSingleton<SigningKeyRing>();
        services.AddSingleton<ValidatedTokenCache>();
        services.AddSingleton<TokenIssuer>();
        services.AddSingleton<RotationCommits>();
        services.AddSingleton<RefreshGrant>();
        services.AddScoped<PasswordGrant>();
        services.AddSingleton<TokenEndpointLimiter>();
        services.AddAuthentication().AddJwtBearer(Scheme);
        services.AddOptions<JwtBearerOptions>(Scheme)
            .Configure<SigningKeyRing, TokenSettings, IOptions<JwtOptions>, TimeProvider, ValidatedTokenCache>((bearer, keys, settings, jwt, time, validated) =>
            {
                bearer.MapInboundClaims = false;
                // The library's handler, remembering what validated until exp (the session check below still runs each time).
                bearer.TokenHandlers.Clear();
                bearer.TokenHandlers.Add(validated);
                bearer.RequireHttpsMetadata = false;
                bearer.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = settings.Issuer,
                    ValidAudience = jwt.Value.Audience,
                    // Only ES256 with our own keys: "none", HS256 (even keyed with our public key) and RS* are refused.
                    ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
                    ValidTypes = [AccessTokenType],
                    RequireSignedTokens = true,
                    RequireExpirationTime = true,
                    ValidateIssuerSigningKey = true,
                    ClockSkew = TimeSpan.FromSeconds(ClockSkewSeconds),
                    // Lifetime on the app's TimeProvider (the library would read the system clock), so tests can move it.
                    LifetimeValidator = (notBefore, expires, _, _) => IsWithinLifetime(notBefore, expires, time.GetUtcNow().UtcDateTime),
                    // The kid is only a dictionary key here; jku, x5u and jwk headers are never followed.
                    IssuerSigningKeyResolver = (_, _, kid, _) => keys.ResolveForValidation(kid),
                    TryAllIssuerSigningKeys = false,
                    NameClaimType = SessionClaims.Subject,
                };
                bearer.Events = new JwtBearerEvents
                {
                    OnMessageReceived = async context =>
                    {
                        await keys.RefreshAsync(context.HttpContext.RequestAborted);
                        // Tokens come only from the Authorization header, never from a query string.
                        context.Token = BearerToken(context.Request);
                        // Only JWTs (three dot-separated parts) are this scheme's: an API key is the ApiKey scheme's.
                        if (context.Token is null || !context.Token.Contains('.'))
                        {
                            context.NoResult();
                        }
                    },
                    OnTokenValidated = async context =>
                    {
                        // A revoked or expired session ends its access tokens at once, whatever their exp says. (The
                        // token's strict shape was checked with its signature, in ValidatedTokenCache.)
                        var sessions = context.HttpContext.RequestServices.GetRequiredService<SessionStore>();
                        var principal = context.Principal!;
                        if (!await sessions.ValidateAsync(principal.SessionId(), principal.FindUserId(), cancellationToken: context.HttpContext.RequestAborted))
                        {
                            context.Fail("The session of this token has ended.");
                        }
                    },
                    OnChallenge = async context =>
                    {
                        context.HandleResponse();
                        var invalid = context.AuthenticateFailure is not null || context.Request.Headers.Authorization.Count > 0;
                        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                        context.Response.Headers.WWWAuthenticate = invalid ? "Bearer error=\"invalid_token\"" : "Bearer";
                        await ApiProblem.WriteAsync(context.HttpContext, StatusCodes.Status401Unauthorized, "Unauthorized",
                            invalid ? "The access token is missing, invalid, expired or revoked." : "This endpoint needs a bearer access token.");
                    },
                    OnForbidden = context => ApiProblem.WriteAsync(context.HttpContext, StatusCodes.Status403Forbidden, "Forbidden",
                        "The token does not carry a permission this endpoint needs."),
                };
            });
        return services;
    }

    private static readonly IReadOnlyList<string> NumericDates = ["exp", "nbf", "iat"];
    private static readonly IReadOnlyList<string> SingleStrings = [SessionClaims.Subject, SessionClaims.SessionId, SessionClaims.Scope, "jti", "iss", "aud"];

    /// <summary>
    /// What the library lets through but a token of ours never has: a <c>crit</c> header (RFC 7515 §4.1.11: an
    /// extension the recipient does not understand must be refused; we understand none), dates that are not numbers,
    /// and claims with several values where ours carry one string.
    /// </summary>
    internal static string? StrictShapeProblem(JsonWebToken jwt)
    {
        if (jwt.TryGetHeaderValue<object>("crit", out _))
        {
            return "The token has a critical header this server does not understand.";
        }
        using var payload = System.Text.Json.JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(jwt.EncodedPayload));
        foreach (var name in NumericDates)
        {
            if (payload.RootElement.TryGetProperty(name, out var date) && date.ValueKind != System.Text.Json.JsonValueKind.Number)
            {
                return $"The token's {name} is not a number.";
            }
        }
        foreach (var name in SingleStrings)
        {
            if (payload.RootElement.TryGetProperty(name, out var value) && value.ValueKind != System.Text.Json.JsonValueKind.String)
            {
                return $"The token's {name} is not a single string.";
            }
        }
        return null;
    }

    internal static bool IsWithinLifetime(DateTime? notBefore, DateTime? expires, DateTime now)
    {
        var skew = TimeSpan.FromSeconds(ClockSkewSeconds);
        return expires is { } end && now - skew < end && (notBefore is not { } start || start <= now + skew);
    }

    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7 ? header[7..].Trim() : null;
    }
}
