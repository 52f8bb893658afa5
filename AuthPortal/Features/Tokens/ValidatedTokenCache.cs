using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AuthPortal.Features.Tokens;

/// <summary>
/// Remembers an access token that passed validation, keyed by the token's hash, so a script calling the API with the same
/// token pays for the ECDSA signature check once, not per request. An entry lasts while the token is in use (dropped after
/// <see cref="IdleFor"/> without a request, and never past its <c>exp</c>): a client that fetches a new token for each
/// call would otherwise hold a token's worth of memory per call for the whole token lifetime. Only what validated is kept
/// (an invalid token is checked in full every time), each caller gets its own copy of the identity, and the session
/// check (<c>OnTokenValidated</c>) still runs on every request, so a revoked session ends the token as before. The strict
/// shape check (<see cref="AccessTokenValidation.StrictShapeProblem"/>) runs with the signature check, once per token.
/// </summary>
public sealed class ValidatedTokenCache(IMemoryCache cache, TimeProvider time) : JsonWebTokenHandler
{
    public static readonly TimeSpan IdleFor = TimeSpan.FromMinutes(1);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var key = CacheKey(token);
        if (cache.TryGetValue(key, out TokenValidationResult? known) && known is { IsValid: true, SecurityToken: JsonWebToken jwt }
            && jwt.ValidTo > time.GetUtcNow().UtcDateTime)
        {
            return new TokenValidationResult
            {
                IsValid = true,
                ClaimsIdentity = known.ClaimsIdentity.Clone(),
                SecurityToken = known.SecurityToken,
                TokenType = known.TokenType,
                Issuer = known.Issuer,
            };
        }
        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result is { IsValid: true, SecurityToken: JsonWebToken shaped } && AccessTokenValidation.StrictShapeProblem(shaped) is { } problem)
        {
            // Checked once, here, rather than on every request: what is cached has passed it.
            return new TokenValidationResult { IsValid = false, Exception = new SecurityTokenValidationException(problem) };
        }
        if (result is { IsValid: true, SecurityToken: JsonWebToken validated })
        {
            cache.Set(key, new TokenValidationResult
            {
                IsValid = true,
                ClaimsIdentity = result.ClaimsIdentity.Clone(),
                SecurityToken = result.SecurityToken,
                TokenType = result.TokenType,
                Issuer = result.Issuer,
            }, new MemoryCacheEntryOptions
            {
                AbsoluteExpiration = new DateTimeOffset(validated.ValidTo, TimeSpan.Zero),
                SlidingExpiration = IdleFor,
            });
        }
        return result;
    }

    internal static string CacheKey(string token) => "validated-jwt:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
