using Microsoft.Extensions.Caching.Memory;

namespace AuthPortal.Features.Account;

/// <summary>
/// Remembers authenticator codes that already signed someone in, so a code seen over a shoulder or
/// replayed from a captured request cannot be used again within its validity window (RFC 6238 §5.2).
/// </summary>
public sealed class UsedTotpCodes(IMemoryCache cache)
{
    // Identity accepts a code for its 30-second step and the steps either side: 90 s covers every reuse.
    private static readonly TimeSpan Remember = TimeSpan.FromSeconds(90);

    /// <summary>What people type ("123 456", "123-456") as the six digits the authenticator check expects.</summary>
    public static string Normalize(string code) => code.Replace(" ", "").Replace("-", "");

    public bool WasUsed(string userId, string code) => cache.TryGetValue(Key(userId, code), out _);

    public void MarkUsed(string userId, string code) => cache.Set(Key(userId, code), true, Remember);

    private static string Key(string userId, string code) => $"totp-used:{userId}:{code}";
}
