using AuthPortal.Data;
using AuthPortal.Features.Sessions;
using AuthPortal.Infrastructure.Options;
using AuthPortal.Infrastructure.Security;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AuthPortal.Features.Tokens;

public sealed record IssuedTokens(string AccessToken, int ExpiresIn, string? RefreshToken, string Scope);

/// <summary>
/// Issues ES256 access tokens (RFC 9068 <c>at+jwt</c>) and makes opaque, rotating refresh tokens. It writes
/// nothing: a grant stores the refresh token row in the transaction that also stores the rest of its work.
/// </summary>
public sealed class TokenIssuer(SigningKeyRing keys, TimeProvider time, IOptions<JwtOptions> options, TokenSettings settings)
{
    private static readonly JsonWebTokenHandler Handler = new();

    public async Task<IssuedTokens> CreateAccessTokenAsync(string userId, string sessionId, TokenScope scope, CancellationToken cancellationToken = default,
        IEnumerable<KeyValuePair<string, string>>? extraClaims = null)
    {
        var now = time.GetUtcNow();
        var lifetime = TimeSpan.FromMinutes(options.Value.AccessTokenMinutes);
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            Audience = options.Value.Audience,
            TokenType = AccessTokenValidation.AccessTokenType,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + lifetime).UtcDateTime,
            SigningCredentials = await keys.GetSigningCredentialsAsync(cancellationToken),
            Claims = new Dictionary<string, object>
            {
                [SessionClaims.Subject] = userId,
                [SessionClaims.SessionId] = sessionId,
                [JwtRegisteredClaimNames.Jti] = Secrets.NewId(),
                [SessionClaims.Scope] = scope.ToString(),
            },
        };
        foreach (var (type, value) in extraClaims ?? [])
        {
            descriptor.Claims[type] = value;
        }
        return new IssuedTokens(Handler.CreateToken(descriptor), (int)lifetime.TotalSeconds, null, scope.ToString());
    }

    /// <summary>A new refresh token: the raw value, which leaves the server once, and the row to store (only its hash).</summary>
    public (string Raw, RefreshToken Stored) NewRefreshToken(string sessionId, TokenScope scope)
    {
        var raw = RefreshTokenFormat.New();
        var now = time.GetUtcNow();
        return (raw, new RefreshToken
        {
            Id = Secrets.NewId(),
            SessionId = sessionId,
            TokenHash = RefreshTokenFormat.Hash(raw),
            CreatedAt = now,
            ExpiresAt = now.AddDays(options.Value.RefreshTokenDays),
            Scope = scope.ToString(),
        });
    }
}
