using System.Security.Cryptography;
using Microsoft.Extensions.Caching.Memory;

namespace AuthPortal.Features.Account;

/// <summary>
/// Changes made in the interactive UI that rotate the security stamp (password, 2FA) would end the
/// user's own cookie at its next check, but a Blazor circuit cannot set cookies. The page therefore
/// takes a one-time ticket and navigates to <c>/Account/RefreshSignIn</c>, which reissues the cookie.
/// The ticket is what stops a stolen, soon-stale cookie from refreshing itself.
/// </summary>
public sealed class SignInRefreshTickets(IMemoryCache cache)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(2);

    public string Issue(string userId)
    {
        var ticket = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        cache.Set(Key(ticket), userId, Lifetime);
        return ticket;
    }

    /// <summary>True once for a ticket issued to <paramref name="userId"/>.</summary>
    public bool Redeem(string? ticket, string? userId)
    {
        if (string.IsNullOrEmpty(ticket) || userId is null || !cache.TryGetValue(Key(ticket), out string? owner))
        {
            return false;
        }
        cache.Remove(Key(ticket));
        return owner == userId;
    }

    public static string RefreshUrl(string ticket, string returnUrl) =>
        $"/Account/RefreshSignIn?ticket={ticket}&returnUrl={Uri.EscapeDataString(returnUrl)}";

    private static string Key(string ticket) => $"signin-refresh:{ticket}";
}
