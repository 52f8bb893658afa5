using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using AuthPortal.Infrastructure.Security;

namespace AuthPortal.Features.ApiKeys;

/// <summary>
/// <c>apk_</c> + 32 CSPRNG bytes in base62 + a 6-character base62 CRC32 of what precedes it. The checksum lets a
/// scanner, or the portal itself, refuse a mistyped or made-up key without a database look-up.
/// </summary>
public static class ApiKeyFormat
{
    public const string Marker = "apk_";
    private const int SecretLength = 43;   // 32 bytes in base62
    private const int ChecksumLength = 6;  // a CRC32 in base62
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static int Length => Marker.Length + SecretLength + ChecksumLength;

    public static string New()
    {
        var body = Marker + Base62(RandomNumberGenerator.GetBytes(32), SecretLength);
        return body + Checksum(body);
    }

    /// <summary>True when the text has the shape and a matching checksum: worth a look-up.</summary>
    public static bool IsWellFormed(string? key) =>
        key is not null && key.Length == Length && key.StartsWith(Marker, StringComparison.Ordinal)
        && key.AsSpan(Marker.Length).ContainsAnyExcept(Alphabet) is false
        && Checksum(key[..^ChecksumLength]) == key[^ChecksumLength..];

    /// <summary>What is stored and looked up: SHA-256 of the whole key.</summary>
    public static string Hash(string key) => Secrets.Sha256Hex(key);

    /// <summary>What a list shows: <c>apk_</c> and the first 6 characters of the secret.</summary>
    public static string Prefix(string key) => key[..(Marker.Length + 6)];

    private static string Checksum(string body) => Base62(BitConverter.GetBytes(Crc32(Encoding.ASCII.GetBytes(body))), ChecksumLength);

    private static string Base62(byte[] bytes, int length)
    {
        var value = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
        var chars = new char[length];
        for (var i = length - 1; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value % 62)];
            value /= 62;
        }
        return new string(chars);
    }

    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }
        return ~crc;
    }
}
