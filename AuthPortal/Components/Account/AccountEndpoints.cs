using System.Security.Claims;
using AuthPortal.Data;
using AuthPortal.Features.Account;
using AuthPortal.Features.Audit;
using AuthPortal.Features.SignIn;
using AuthPortal.Infrastructure.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Antiforgery;

namespace AuthPortal.Components.Account;

internal static class AccountEndpoints
{
    /// <summary>The forms that try a password or send mail: they share the token endpoint's per-address budget.</summary>
    private static readonly IReadOnlySet<string> LimitedForms = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        AccountRoutes.Login, AccountRoutes.Register, AccountRoutes.ForgotPassword, AccountRoutes.ResendEmailConfirmation,
    };

    /// <summary>Rate-limits posts to the account forms like the token endpoint (reading them stays free).</summary>
    public static RazorComponentsEndpointConventionBuilder LimitAccountForms(this RazorComponentsEndpointConventionBuilder pages)
    {
        pages.Add(endpoint =>
        {
            if (endpoint is RouteEndpointBuilder { RoutePattern.RawText: { } route } && LimitedForms.Contains(route))
            {
                endpoint.Metadata.Add(new Microsoft.AspNetCore.RateLimiting.EnableRateLimitingAttribute(Infrastructure.Api.ApiGroup.TokenRateLimitPolicy));
            }
        });
        return pages;
    }

    /// <summary>Endpoints the static account pages post to.</summary>
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var account = endpoints.MapGroup("/Account").ExcludeFromDescription();
        // Antiforgery is checked in the handler, so a post without a form body is a plain 400, not an exception.
        account.MapPost("/Logout", SignOutAsync).DisableAntiforgery();
        account.MapGet("/PersonalData", DownloadPersonalDataAsync).RequireAuthorization();
        account.MapPost("/PasskeyCreationOptions", PasskeyCreationOptionsAsync).RequireAuthorization().DisableAntiforgery();
        account.MapPost("/PasskeyRequestOptions", PasskeyRequestOptionsAsync).DisableAntiforgery();
        return endpoints;
    }

    private static async Task<Results<FileContentHttpResult, UnauthorizedHttpResult>> DownloadPersonalDataAsync(
        HttpContext context, UserManager<AppUser> userManager, PersonalDataExport export, AuditLog audit)
    {
        var user = await userManager.GetUserAsync(context.User);
        if (user is null)
        {
            return TypedResults.Unauthorized();
        }
        var data = await export.ExportAsync(user, context.RequestAborted);
        await audit.RecordAsync(new AuditRecord(AuditActions.PersonalDataDownloaded) { ActorUserId = user.Id, TargetType = AuditTargets.User, TargetId = user.Id });
        var json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(data, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web) { WriteIndented = true });
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.File(json, "application/json", "authportal-personal-data.json");
    }

    // WebAuthn: the browser asks for options, the authenticator signs them. Antiforgery is checked explicitly
    // (the token travels in a header), so a cross-site page cannot start a ceremony for the signed-in user.
    private static async Task<Results<ContentHttpResult, BadRequest, UnauthorizedHttpResult>> PasskeyCreationOptionsAsync(
        HttpContext context, IAntiforgery antiforgery, UserManager<AppUser> userManager, SignInManager<AppUser> signInManager)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return TypedResults.BadRequest();
        }
        var user = await userManager.GetUserAsync(context.User);
        if (user is null)
        {
            return TypedResults.Unauthorized();
        }
        var options = await signInManager.MakePasskeyCreationOptionsAsync(new()
        {
            Id = user.Id,
            Name = user.UserName ?? user.Email ?? user.Id,
            DisplayName = string.IsNullOrWhiteSpace(user.DisplayName) ? user.UserName ?? "" : user.DisplayName,
        });
        return TypedResults.Content(options, "application/json");
    }

    private static async Task<Results<ContentHttpResult, BadRequest>> PasskeyRequestOptionsAsync(
        HttpContext context, IAntiforgery antiforgery, SignInManager<AppUser> signInManager)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return TypedResults.BadRequest();
        }
        // Discoverable credentials only: naming a user here would reveal whether the account exists.
        var options = await signInManager.MakePasskeyRequestOptionsAsync(null);
        return TypedResults.Content(options, "application/json");
    }

    private static async Task<Results<RedirectHttpResult, BadRequest>> SignOutAsync(
        HttpContext context,
        IAntiforgery antiforgery,
        SignInManager<AppUser> signInManager)
    {
        // Signing out is a state change: a cross-site form must not be able to trigger it.
        if (!context.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(context))
        {
            return TypedResults.BadRequest();
        }
        string? returnUrl = context.Request.Form["returnUrl"];
        // Ends the cookie's session; the session's end and its SignedOut event commit together (SessionStore).
        await signInManager.SignOutAsync();
        return TypedResults.LocalRedirect(returnUrl is null ? $"{AccountRoutes.Login}?signedOut=1" : LocalUrl.OrHome(returnUrl));
    }
}
