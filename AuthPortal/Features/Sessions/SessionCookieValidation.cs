using System.Security.Claims;
using AuthPortal.Components.Account;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;

namespace AuthPortal.Features.Sessions;

/// <summary>
/// Runs on every request that carries the auth cookie: Identity's security-stamp check, then the
/// server-side session check. A cookie whose session was revoked or timed out is rejected and deleted.
/// </summary>
internal static class SessionCookieValidation
{
    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        await SecurityStampValidator.ValidatePrincipalAsync(context);
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
