using AuthPortal.Features.Audit;
using AuthPortal.Features.Sessions;
using AuthPortal.Infrastructure.Api;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AuthPortal.Features.Tokens;

/// <summary>A grant another feature adds to the token endpoint (API keys add <c>client_credentials</c>).</summary>
public interface ITokenGrant
{
    string GrantType { get; }

    Task<Results<Ok<TokenResponse>, BadRequest<TokenError>, ProblemHttpResult>> GrantAsync(HttpContext context, TokenRequest request);
}

/// <summary>The services a token request may need; each grant is its own small service.</summary>
public sealed record TokenEndpointServices(PasswordGrant Password, RefreshGrant Refresh, IEnumerable<ITokenGrant> Others);

/// <summary>POST /api/auth/token, /api/auth/revoke and /api/auth/logout.</summary>
public static class TokenApi
{
    public static RouteGroupBuilder MapTokenApi(this RouteGroupBuilder api)
    {
        var auth = api.MapGroup("/auth").WithTags("Authentication").DisableAntiforgery();
        auth.MapPost("/token", IssueAsync)
            .AllowAnonymousWithTokenLimit()
            .Accepts<Dictionary<string, string>>("application/x-www-form-urlencoded", "application/json")
            .Produces<TokenResponse>()
            .Produces<TokenError>(StatusCodes.Status400BadRequest)
            .Produces(StatusCodes.Status429TooManyRequests)
            .WithSummary("Get an access token")
            .WithDescription("RFC 6749 token endpoint. grant_type=password (username = email or user name, password, otp when 2FA is on, optional scope), grant_type=refresh_token (refresh_token), or grant_type=client_credentials (client_secret = an API key: a short access token with the key's scopes, no refresh token). Form or JSON body.");
        auth.MapPost("/revoke", RevokeAsync)
            .AllowAnonymousWithTokenLimit()
            .Accepts<Dictionary<string, string>>("application/x-www-form-urlencoded", "application/json")
            .Produces(StatusCodes.Status200OK)
            .WithSummary("Revoke a refresh token (RFC 7009)")
            .WithDescription("Ends the session the refresh token belongs to, and so every access token from it. Always answers 200.");
        auth.MapPost("/logout", LogoutAsync)
            .WithSummary("Revoke the session of the calling token (and every token from it)");
        return api;
    }

    private static async Task<Results<Ok<TokenResponse>, BadRequest<TokenError>, ProblemHttpResult>> IssueAsync(
        HttpContext context, [AsParameters] TokenEndpointServices grants)
    {
        // RFC 6749 §5.1: token responses must not be cached.
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";
        var (request, error) = await TokenRequest.ReadAsync(context.Request);
        if (request is null)
        {
            return TypedResults.BadRequest(TokenError.InvalidRequest(error!));
        }
        var grantType = request["grant_type"];
        return grantType switch
        {
            "password" => await grants.Password.GrantAsync(context, request),
            "refresh_token" => await grants.Refresh.GrantAsync(request, context.RequestAborted),
            null or "" => TypedResults.BadRequest(TokenError.InvalidRequest("grant_type is required.")),
            _ when grants.Others.FirstOrDefault(g => g.GrantType == grantType) is { } other => await other.GrantAsync(context, request),
            _ => TypedResults.BadRequest(new TokenError("unsupported_grant_type",
                $"Supported grant types: {string.Join(", ", new[] { "password", "refresh_token" }.Concat(grants.Others.Select(g => g.GrantType)))}.")),
        };
    }

    private static async Task<Results<Ok, BadRequest<TokenError>>> RevokeAsync(HttpContext context, RefreshGrant refresh)
    {
        var token = (await TokenRequest.ReadAsync(context.Request)).Request?["token"];
        if (string.IsNullOrEmpty(token))
        {
            return TypedResults.BadRequest(TokenError.InvalidRequest("token is required."));
        }
        if (token.StartsWith(RefreshTokenFormat.Prefix, StringComparison.Ordinal))
        {
            await refresh.RevokeAsync(token, context.RequestAborted);
        }
        // RFC 7009 §2.2: 200 whether or not the token was known.
        return TypedResults.Ok();
    }

    private static async Task<NoContent> LogoutAsync(HttpContext context, SessionStore sessions)
    {
        var userId = context.User.UserId();
        if (context.User.SessionId() is { } sessionId)
        {
            // Recorded like a browser's sign-out: the session's end and the SignedOut event commit together.
            await sessions.RevokeAsync(userId, sessionId, new Revocation(RevocationReasons.SignedOut, userId), context.RequestAborted);
        }
        return TypedResults.NoContent();
    }
}
