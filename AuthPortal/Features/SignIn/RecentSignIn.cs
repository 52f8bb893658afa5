using System.Globalization;
using System.Security.Claims;

using AuthPortal.Features.Sessions;

namespace AuthPortal.Features.SignIn;

/// <summary>
/// Sensitive changes (email, password, 2FA, passkeys, account deletion) need a sign-in from the last
/// 10 minutes. The time the user last proved their password is the cookie claim <c>auth_time</c>
/// (OpenID Connect's name for it); <c>/Account/Reauthenticate</c> renews it.
/// </summary>
public static class RecentSignIn
{
    public const string ClaimType = SessionClaims.AuthenticationTime;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    public static Claim ClaimFor(DateTimeOffset when) =>
        new(ClaimType, when.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64);

    public static DateTimeOffset? AuthenticatedAt(ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue(ClaimType), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    public static bool IsRecent(ClaimsPrincipal user, DateTimeOffset now) =>
        AuthenticatedAt(user) is { } at && now - at <= Window && at <= now.AddMinutes(1);
}
