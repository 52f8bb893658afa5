using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;

namespace AuthPortal.Features.Sessions;

/// <summary>
/// The auth cookie's events (set with <c>EventsType</c>): on every request that carries the cookie, the
/// server-side session check. A cookie whose session was revoked or timed out is rejected and deleted, and the
/// login page it is sent to says why (<see cref="SessionEndedParameter"/>), the same message a live circuit shows.
/// </summary>
/// <remarks>
/// The session replaces Identity's periodic security-stamp check: every change that must end other
/// sign-ins (password change or reset, 2FA reset, disable, lock) revokes their sessions explicitly, while
/// the browser that made the change keeps working even when the stamp rotated under it.
/// </remarks>
public sealed class SessionCookieEvents(SessionStore sessions) : CookieAuthenticationEvents
{
    /// <summary>The login page's query parameter for "your session ended".</summary>
    public const string SessionEndedParameter = "sessionEnded";

    private static readonly object SessionEndedKey = new();

    public override async Task ValidatePrincipal(CookieValidatePrincipalContext context)
    {
        if (context.Principal is null)
        {
            return;
        }
        var valid = await sessions.ValidateAsync(context.Principal.SessionId(), context.Principal.FindUserId(),
            cancellationToken: context.HttpContext.RequestAborted);
        if (!valid)
        {
            context.RejectPrincipal();
            context.HttpContext.Items[SessionEndedKey] = true;
            await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
        }
    }

    public override Task RedirectToLogin(RedirectContext<CookieAuthenticationOptions> context)
    {
        if (context.HttpContext.Items.ContainsKey(SessionEndedKey))
        {
            context.RedirectUri = QueryHelpers.AddQueryString(context.RedirectUri, SessionEndedParameter, "1");
        }
        return base.RedirectToLogin(context);
    }
}
