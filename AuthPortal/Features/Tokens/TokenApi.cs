using System.Text.Json;
using System.Threading.RateLimiting;
using AuthPortal.Components.Account;
using AuthPortal.Data;
using AuthPortal.Features.Audit;
using AuthPortal.Features.Sessions;
using AuthPortal.Infrastructure.Authorization;
using AuthPortal.Infrastructure.Options;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AuthPortal.Features.Tokens;

/// <summary>RFC 6749 §5.1 success body.</summary>
public sealed record TokenResponse(string access_token, string token_type, int expires_in, string? refresh_token, string scope);

/// <summary>RFC 6749 §5.2 error body.</summary>
public sealed record TokenError(string error, string error_description);

/// <summary>POST /api/auth/token and POST /api/auth/revoke.</summary>
public static class TokenApi
{
    public const string RateLimitPolicy = "token";

    public static IEndpointRouteBuilder MapTokenApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Authentication").AllowAnonymous().DisableAntiforgery();
        auth.MapPost("/token", IssueAsync)
            .RequireRateLimiting(RateLimitPolicy)
            .Accepts<Dictionary<string, string>>("application/x-www-form-urlencoded", "application/json")
            .Produces<TokenResponse>()
            .Produces<TokenError>(StatusCodes.Status400BadRequest)
            .Produces(StatusCodes.Status429TooManyRequests)
            .WithSummary("Get an access token")
            .WithDescription("RFC 6749 token endpoint. grant_type=password (username = email or user name, password, otp when 2FA is on, optional scope) or grant_type=refresh_token (refresh_token). Form or JSON body.");
        auth.MapPost("/revoke", RevokeAsync)
            .RequireRateLimiting(RateLimitPolicy)
            .Accepts<Dictionary<string, string>>("application/x-www-form-urlencoded", "application/json")
            .Produces(StatusCodes.Status200OK)
            .WithSummary("Revoke a refresh token (RFC 7009)")
            .WithDescription("Ends the session the refresh token belongs to, and so every access token from it. Always answers 200.");
        return app;
    }

    /// <summary>Reads a token request from a form or JSON body into name → value.</summary>
    internal static async Task<Dictionary<string, string>?> ReadParametersAsync(HttpRequest request)
    {
        if (request.HasFormContentType)
        {
            try
            {
                var form = await request.ReadFormAsync();
                // A parameter sent twice is ambiguous (RFC 6749 §3.1): refuse rather than guess.
                return form.Any(f => f.Value.Count > 1) ? null : form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
            }
            catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException or IOException)
            {
                return null;
            }
        }
        if (request.HasJsonContentType())
        {
            try
            {
                using var document = await JsonDocument.ParseAsync(request.Body);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    return null;
                }
                var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var property in document.RootElement.EnumerateObject()
                    .Where(p => p.Value.ValueKind is JsonValueKind.String or JsonValueKind.Number))
                {
                    if (!parameters.TryAdd(property.Name, property.Value.ToString()))
                    {
                        return null; // the same parameter twice
                    }
                }
                return parameters;
            }
            catch (Exception ex) when (ex is JsonException or BadHttpRequestException or IOException)
            {
                return null;
            }
        }
        return null;
    }

    private static BadRequest<TokenError> Error(string error, string description) => TypedResults.BadRequest(new TokenError(error, description));

    private static async Task<Results<Ok<TokenResponse>, BadRequest<TokenError>, ProblemHttpResult>> IssueAsync(HttpContext context, IServiceProvider services)
    {
        // RFC 6749 §5.1: token responses must not be cached.
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";
        var parameters = await ReadParametersAsync(context.Request);
        if (parameters is null)
        {
            return Error("invalid_request", "Send the parameters as application/x-www-form-urlencoded or a JSON object.");
        }
        return parameters.GetValueOrDefault("grant_type") switch
        {
            "password" => await PasswordGrantAsync(context, services, parameters),
            "refresh_token" => await RefreshGrantAsync(services, parameters),
            null or "" => Error("invalid_request", "grant_type is required."),
            _ => Error("unsupported_grant_type", "Supported grant types: password, refresh_token."),
        };
    }

    private static async Task<Results<Ok<TokenResponse>, BadRequest<TokenError>, ProblemHttpResult>> PasswordGrantAsync(
        HttpContext context, IServiceProvider services, Dictionary<string, string> parameters)
    {
        var login = parameters.GetValueOrDefault("username")?.Trim();
        var password = parameters.GetValueOrDefault("password");
        if (string.IsNullOrEmpty(login) || string.IsNullOrEmpty(password))
        {
            return Error("invalid_request", "username and password are required.");
        }
        if (login.Length > 256 || password.Length > 1024)
        {
            return Error("invalid_request", "username or password is too long.");
        }
        if (services.GetRequiredService<TokenEndpointLimiter>().TryAcquire(login) is { } retryAfter)
        {
            ApiProblems.SetRetryAfter(context.Response, retryAfter);
            return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests",
                detail: "Too many sign-in attempts for this user name. Wait and try again.");
        }

        var signIn = services.GetRequiredService<PasswordSignIn>();
        var (outcome, user) = await signIn.CheckForTokenAsync(login, password, parameters.GetValueOrDefault("otp"));
        switch (outcome)
        {
            case TokenCheckOutcome.MfaRequired:
                return Error("mfa_required", "This account uses two-factor authentication: send the current code as otp.");
            case TokenCheckOutcome.Failed:
                return Error("invalid_grant", "The user name, password or code is incorrect, or the account cannot sign in.");
        }

        var permissions = await services.GetRequiredService<UserPermissions>().GetAsync(user!.Id);
        var requested = (parameters.GetValueOrDefault("scope") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = requested.Where(s => !Scopes.IsKnown(s)).ToList();
        if (unknown.Count > 0)
        {
            return Error("invalid_scope", $"Unknown scope: {string.Join(' ', unknown)}.");
        }
        // A token's scope narrows, never widens: it holds at most what the user may do now.
        var granted = Scopes.Grant(requested, permissions);

        var session = await services.GetRequiredService<UserSessions>().CreateAsync(user.Id, SessionKind.Api,
            context.Connection.RemoteIpAddress?.ToString(), context.Request.Headers.UserAgent.ToString());
        var tokens = await services.GetRequiredService<TokenIssuer>().IssueAsync(user.Id, session.Id, granted, withRefreshToken: true);
        await services.GetRequiredService<AuditLog>().RecordAsync(new AuditRecord(AuditActions.SignInSucceeded)
        {
            ActorUserId = user.Id, TargetType = "user", TargetId = user.Id, Details = new { method = "api_password", session = session.Id },
        });
        return TypedResults.Ok(new TokenResponse(tokens.AccessToken, "Bearer", tokens.ExpiresIn, tokens.RefreshToken, tokens.Scope));
    }

    private static async Task<Results<Ok<TokenResponse>, BadRequest<TokenError>, ProblemHttpResult>> RefreshGrantAsync(
        IServiceProvider services, Dictionary<string, string> parameters)
    {
        var raw = parameters.GetValueOrDefault("refresh_token");
        if (string.IsNullOrEmpty(raw))
        {
            return Error("invalid_request", "refresh_token is required.");
        }
        var result = await services.GetRequiredService<RefreshTokenRotation>().RotateAsync(raw);
        return result.Outcome switch
        {
            RefreshOutcome.Rotated => TypedResults.Ok(new TokenResponse(result.Tokens!.AccessToken, "Bearer", result.Tokens.ExpiresIn, result.Tokens.RefreshToken, result.Tokens.Scope)),
            // RFC 6749 §5.2: invalid_grant for a bad, expired, revoked or reused refresh token.
            RefreshOutcome.Reused => Error("invalid_grant", "This refresh token was already used; its session has been revoked."),
            _ => Error("invalid_grant", "The refresh token is invalid, expired or revoked."),
        };
    }

    private static async Task<Results<Ok, BadRequest<TokenError>>> RevokeAsync(HttpContext context, RefreshTokenRotation rotation)
    {
        var parameters = await ReadParametersAsync(context.Request);
        var token = parameters?.GetValueOrDefault("token");
        if (string.IsNullOrEmpty(token))
        {
            return TypedResults.BadRequest(new TokenError("invalid_request", "token is required."));
        }
        if (token.StartsWith(RefreshTokenFormat.Prefix, StringComparison.Ordinal))
        {
            await rotation.RevokeAsync(token);
        }
        // RFC 7009 §2.2: 200 whether or not the token was known.
        return TypedResults.Ok();
    }
}

/// <summary>Scopes are permission names; a token gets the requested ones the user holds (all of them when none is asked for).</summary>
public static class Scopes
{
    public static bool IsKnown(string scope) => Permissions.System.Any(p => p.Name == scope);

    public static string Grant(IReadOnlyCollection<string> requested, IReadOnlySet<string> held) =>
        string.Join(' ', (requested.Count == 0 ? held : requested.Where(held.Contains)).Distinct().Order(StringComparer.Ordinal));
}

/// <summary>Counts token requests per user name (the per-IP limit is the "token" rate-limit policy).</summary>
public sealed class TokenEndpointLimiter(IOptions<RateLimitOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(name =>
        RateLimitPartition.GetFixedWindowLimiter(name.ToUpperInvariant(), _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.Value.TokenPerMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        }));

    /// <summary>Null when allowed; otherwise how long to wait.</summary>
    public TimeSpan? TryAcquire(string userName)
    {
        using var lease = _limiter.AttemptAcquire(userName);
        if (lease.IsAcquired)
        {
            return null;
        }
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
    }

    public void Dispose() => _limiter.Dispose();
}
