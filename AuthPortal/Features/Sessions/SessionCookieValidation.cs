using System.Security.Claims;
using AuthPortal.Components.Account;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;

namespace AuthPortal.Features.Sessions;

/// <summary>
/// Runs on every request that carries the auth cookie: the server-side session check. A cookie whose
/// session was revoked or timed out is rejected and deleted.
/// </summary>
/// <remarks>
/// The session replaces Identity's periodic security-stamp check: every change that must end other
/// sign-ins (password change or reset, 2FA reset, disable, lock) revokes their sessions explicitly, while
/// the browser that made the change keeps working even when the stamp rotated under it.
/// </remarks>
internal static class SessionCookieValidation
{
    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        if (context.Principal is null)
        {
            return;
        }
        var sessions = context.HttpContext.RequestServices.GetRequiredService<UserSessions>();
        var valid = await sessions.ValidateAsync(
            context.Principal.FindFirstValue(PortalSignInManager.SessionClaimType),
            context.Principal.FindFirstValue(ClaimTypes.NameIdentifier),
            cancellationToken: context.HttpContext.RequestAborted);
        if (!valid)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
        }
    }
}
