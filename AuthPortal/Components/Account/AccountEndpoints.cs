using System.Security.Claims;
using AuthPortal.Data;
using AuthPortal.Features.Audit;
using AuthPortal.Infrastructure.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Antiforgery;

namespace AuthPortal.Components.Account;

internal static class AccountEndpoints
{
    /// <summary>Endpoints the static account pages post to.</summary>
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var account = endpoints.MapGroup("/Account").ExcludeFromDescription();
        // Antiforgery is checked in the handler, so a post without a form body is a plain 400, not an exception.
        account.MapPost("/Logout", SignOutAsync).DisableAntiforgery();
        return endpoints;
    }

    private static async Task<Results<RedirectHttpResult, BadRequest>> SignOutAsync(
        HttpContext context,
        IAntiforgery antiforgery,
        SignInManager<AppUser> signInManager,
        AuditLog audit)
    {
        // Signing out is a state change: a cross-site form must not be able to trigger it.
        if (!context.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(context))
        {
            return TypedResults.BadRequest();
        }
        string? returnUrl = context.Request.Form["returnUrl"];
        var user = context.User;
        var userId = user.FindFirstValue(ClaimTypes.NameIdentifier);
        await signInManager.SignOutAsync();
        if (userId is not null)
        {
            await audit.RecordAsync(new AuditRecord(AuditActions.SignedOut) { ActorUserId = userId, TargetType = "user", TargetId = userId });
        }
        return TypedResults.LocalRedirect(returnUrl is null ? "/Account/Login?signedOut=1" : LocalUrl.OrHome(returnUrl));
    }
}
