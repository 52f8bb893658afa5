using System.Security.Claims;
using System.Security.Cryptography;
using AuthPortal.Data;
using AuthPortal.Infrastructure.Options;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AuthPortal.Features.Tokens;

public sealed record IssuedTokens(string AccessToken, int ExpiresIn, string? RefreshToken, string Scope);

/// <summary>Issues ES256 access tokens (RFC 9068 <c>at+jwt</c>) and opaque, rotating refresh tokens.</summary>
public sealed class TokenIssuer(
    SigningKeys keys,
    IDbContextFactory<AppDbContext> dbFactory,
    TimeProvider time,
    IOptions<JwtOptions> options,
    TokenSettings settings)
{
    private static readonly JsonWebTokenHandler Handler = new();

    public async Task<IssuedTokens> IssueAsync(string userId, string sessionId, string scope, bool withRefreshToken, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var lifetime = TimeSpan.FromMinutes(options.Value.AccessTokenMinutes);
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            Audience = options.Value.Audience,
            TokenType = JwtSetup.AccessTokenType,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + lifetime).UtcDateTime,
            SigningCredentials = await keys.GetSigningCredentialsAsync(cancellationToken),
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = userId,
                [JwtRegisteredClaimNames.Sid] = sessionId,
                [JwtRegisteredClaimNames.Jti] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
                ["scope"] = scope,
            },
        };
        var accessToken = Handler.CreateToken(descriptor);
        string? refreshToken = null;
        if (withRefreshToken)
        {
            RefreshToken stored;
            (refreshToken, stored) = NewRefreshToken(sessionId, scope);
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            db.RefreshTokens.Add(stored);
            await db.SaveChangesAsync(cancellationToken);
        }
        return new IssuedTokens(accessToken, (int)lifetime.TotalSeconds, refreshToken, scope);
    }

    /// <summary>
    /// A new refresh token: the raw value, which leaves the server once, and the row to store (only its hash).
    /// The caller saves the row, alone or inside the transaction that rotates the token it replaces.
    /// </summary>
    public (string Raw, RefreshToken Stored) NewRefreshToken(string sessionId, string scope)
    {
        var raw = RefreshTokenFormat.New();
        var now = time.GetUtcNow();
        return (raw, new RefreshToken
        {
            Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            SessionId = sessionId,
            TokenHash = RefreshTokenFormat.Hash(raw),
            CreatedAt = now,
            ExpiresAt = now.AddDays(options.Value.RefreshTokenDays),
            Scope = scope,
        });
    }
}

/// <summary>Opaque refresh tokens: 256 random bits, stored as SHA-256 only.</summary>
public static class RefreshTokenFormat
{
    public const string Prefix = "rt_";

    public static string New() => Prefix + Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string raw) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(raw)));
}

/// <summary>Values fixed at start: the issuer every token carries and every validation expects.</summary>
public sealed class TokenSettings(string issuer)
{
    public string Issuer { get; } = issuer;

    public static TokenSettings From(IConfiguration configuration)
    {
        var issuer = configuration[$"{JwtOptions.Section}:Issuer"];
        if (string.IsNullOrWhiteSpace(issuer))
        {
            issuer = configuration[$"{AppOptions.Section}:PublicUrl"];
        }
        if (string.IsNullOrWhiteSpace(issuer))
        {
            issuer = (configuration["Urls"] ?? "http://localhost:5000").Split(';')[0];
        }
        return new TokenSettings(issuer.TrimEnd('/'));
    }
}
