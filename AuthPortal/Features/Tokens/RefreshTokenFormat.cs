using System.Security.Cryptography;
using AuthPortal.Infrastructure.Security;
using Microsoft.IdentityModel.Tokens;

namespace AuthPortal.Features.Tokens;

/// <summary>Opaque refresh tokens: 256 random bits, stored as SHA-256 only.</summary>
public static class RefreshTokenFormat
{
    public const string Prefix = "rt_";

    public static string New() => Prefix + Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string raw) => Secrets.Sha256Hex(raw);
}
