using System.Security.Claims;
using AuthPortal.Data;
using AuthPortal.Features.Audit;
using AuthPortal.Infrastructure.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace AuthPortal.Components.Account;

internal static class AccountEndpoints
{
    /// <summary>Endpoints the static account pages post to.</summary>
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var account = endpoints.MapGroup("/Account").ExcludeFromDescription();
        // A form post with [FromForm] makes the antiforgery middleware require a valid token.
        account.MapPost("/Logout", SignOutAsync);
        return endpoints;
    }

    private static async Task<RedirectHttpResult> SignOutAsync(
        ClaimsPrincipal user,
        SignInManager<AppUser> signInManager,
        AuditLog audit,
        [FromForm] string? returnUrl)
    {
        var userId = user.FindFirstValue(ClaimTypes.NameIdentifier);
        await signInManager.SignOutAsync();
        if (userId is not null)
        {
            await audit.RecordAsync(new AuditRecord(AuditActions.SignedOut) { ActorUserId = userId, TargetType = "user", TargetId = userId });
        }
        return TypedResults.LocalRedirect(returnUrl is null ? "/Account/Login?signedOut=1" : LocalUrl.OrHome(returnUrl));
    }
}
