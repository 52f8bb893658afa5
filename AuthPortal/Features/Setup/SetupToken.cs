using System.Security.Cryptography;
using System.Text;

namespace AuthPortal.Features.Setup;

/// <summary>
/// The one-time secret in the first-run link (<c>/setup?token=…</c>). Only its SHA-256 is kept,
/// in memory; it works once and a restart issues a new one while no user exists.
/// </summary>
public sealed class SetupToken
{
    private byte[]? _hash;
    private readonly Lock _gate = new();

    public bool IsActive
    {
        get { lock (_gate) { return _hash is not null; } }
    }

    public string Issue()
    {
        var token = Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        lock (_gate)
        {
            _hash = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        }
        return token;
    }

    public bool Matches(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return false;
        }
        var candidate = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        lock (_gate)
        {
            return _hash is not null && CryptographicOperations.FixedTimeEquals(_hash, candidate);
        }
    }

    public void Revoke()
    {
        lock (_gate) { _hash = null; }
    }

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
