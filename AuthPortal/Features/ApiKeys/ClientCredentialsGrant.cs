using AuthPortal.Data;
using AuthPortal.Features.Audit;
using AuthPortal.Features.Sessions;
using AuthPortal.Features.Tokens;
using AuthPortal.Infrastructure.Options;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace AuthPortal.Features.ApiKeys;

/// <summary>
/// <c>grant_type=client_credentials</c> with <c>client_secret</c> = an API key: a short access token that acts as the
/// key's owner within the key's scopes, and no refresh token (the key itself is the long-lived credential). The token's
/// session lasts as long as the token.
/// </summary>
public sealed class ClientCredentialsGrant(
    ApiKeyStore keys,
    SessionStore sessions,
    TokenIssuer issuer,
    AuditLog audit,
    AppDbContext db,
    IOptions<JwtOptions> jwt) : ITokenGrant
{
    public string GrantType => "client_credentials";

    public async Task<Results<Ok<TokenResponse>, BadRequest<TokenError>, ProblemHttpResult>> GrantAsync(HttpContext context, TokenRequest request)
    {
        var secret = request["client_secret"];
        if (string.IsNullOrEmpty(secret))
        {
            return TypedResults.BadRequest(TokenError.InvalidRequest("client_secret (an API key) is required."));
        }
        if (await keys.AuthenticateAsync(secret, context.RequestAborted) is not { } key)
        {
            // RFC 6749 §5.2: the client (here, the key) could not be authenticated.
            return TypedResults.BadRequest(new TokenError("invalid_client", "The API key is invalid, expired or revoked."));
        }
        var lifetime = TimeSpan.FromMinutes(jwt.Value.AccessTokenMinutes);
        var session = sessions.Start(db, key.UserId, SessionKind.Api, context.Connection.RemoteIpAddress?.ToString(),
            context.Request.Headers.UserAgent.ToString(), lifetime);
        audit.Append(db, new AuditRecord(AuditActions.SignInSucceeded)
        {
            ActorUserId = key.UserId, ActorKind = key.ActorKind, TargetType = AuditTargets.ApiKey, TargetId = key.KeyId,
            Details = new { method = "client_credentials", session = session.Id },
        });
        audit.Append(db, new AuditRecord(AuditActions.TokenIssued)
        {
            ActorUserId = key.UserId, ActorKind = key.ActorKind, TargetType = AuditTargets.Session, TargetId = session.Id,
            Details = new { grant = "client_credentials", apiKey = key.KeyId, scope = key.Scope.ToString() },
        });
        await db.SaveChangesAsync(context.RequestAborted);
        // The token carries the key's id (and service-account marker) on, so it is treated as the key would be.
        var tokens = await issuer.CreateAccessTokenAsync(key.UserId, session.Id, key.Scope, context.RequestAborted,
            key.Claims.Where(c => c.Key is SessionClaims.ApiKeyId or ActorKindClaim.Type));
        return TypedResults.Ok(TokenResponse.From(tokens));
    }
}
