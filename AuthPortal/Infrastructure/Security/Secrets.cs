using System.Security.Cryptography;
using System.Text;

namespace AuthPortal.Infrastructure.Security;

/// <summary>Random identifiers and the hash secrets are stored as: one implementation each.</summary>
public static class Secrets
{
    /// <summary>128 random bits as lowercase hex: ids that are also bearer secrets (sessions, refresh tokens, jti).</summary>
    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>SHA-256 of the UTF-8 text as lowercase hex: how refresh tokens (and later API keys) are stored.</summary>
    public static string Sha256Hex(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
