using System.Security.Claims;

namespace AuthPortal.Features.Sessions;

/// <summary>
/// The claim types a signed-in principal carries, cookie or bearer, and the one way to read them.
/// A cookie names the user with <see cref="ClaimTypes.NameIdentifier"/> (Identity's choice); a JWT with <c>sub</c>.
/// </summary>
public static class SessionClaims
{
    /// <summary>The user id in an access token (RFC 9068).</summary>
    public const string Subject = "sub";

    /// <summary>The server-side session the cookie or token belongs to.</summary>
    public const string SessionId = "sid";

    /// <summary>Space-separated permissions an access token is narrowed to (RFC 8693 §4.2).</summary>
    public const string Scope = "scope";

    /// <summary>The name the shell greets the user with.</summary>
    public const string DisplayName = "display_name";

    /// <summary>When the user last proved their password (OpenID Connect's name for it).</summary>
    public const string AuthenticationTime = "auth_time";

    /// <summary>How the user signed in (RFC 8176), for example <c>mfa</c>.</summary>
    public const string AuthenticationMethod = "amr";

    /// <summary>The API key a request acts through: on an ApiKey principal, and in a token exchanged for a key.</summary>
    public const string ApiKeyId = "api_key_id";
}

/// <summary>Reads <see cref="SessionClaims"/> from a principal.</summary>
public static class SessionPrincipal
{
    /// <summary>The user id, from a bearer token (sub) or a cookie (NameIdentifier).</summary>
    public static string? FindUserId(this ClaimsPrincipal principal) =>
        principal.FindFirstValue(SessionClaims.Subject) ?? principal.FindFirstValue(ClaimTypes.NameIdentifier);

    /// <summary>The user id of a principal that an authorization policy already required to be signed in.</summary>
    public static string UserId(this ClaimsPrincipal principal) =>
        principal.FindUserId() ?? throw new InvalidOperationException("The principal has no user id.");

    public static string? SessionId(this ClaimsPrincipal principal) => principal.FindFirstValue(SessionClaims.SessionId);

    /// <summary>The token's scope claim, or null for a cookie (which is not narrowed).</summary>
    public static string? Scope(this ClaimsPrincipal principal) => principal.FindFirstValue(SessionClaims.Scope);

    /// <summary>True for a request made with an API key, or with a token exchanged for one.</summary>
    public static bool ActsThroughApiKey(this ClaimsPrincipal principal) => principal.HasClaim(c => c.Type == SessionClaims.ApiKeyId);}
