using System.ComponentModel.DataAnnotations;
using AuthPortal.Infrastructure.Api;
using AuthPortal.Infrastructure.Identity;
using AuthPortal.Infrastructure.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AuthPortal.Features.SignIn;

public sealed record EmailRequest(string Email);

public sealed record ResetPasswordRequest(string UserId, string Code, string NewPassword);

public sealed record ConfirmEmailRequest(string UserId, string Code);

public sealed record LinkResponse(string Status, string Message, string? ResetCode = null);

/// <summary>
/// The emailed-link flows for scripts and apps, with the pages' rules, limits and answers: forgot and reset password,
/// resend and confirm the email address. Anonymous, limited per client address like the token endpoint, and the mail
/// they send is capped per address; an answer never says whether an address has an account.
/// </summary>
public static class AccountLinksApi
{
    private const string Sent = "If the address has an account that can use it, a link is on its way.";

    public static RouteGroupBuilder MapAccountLinksApi(this RouteGroupBuilder api)
    {
        var auth = api.MapGroup("/auth").WithTags("Authentication").DisableAntiforgery();
        auth.MapPost("/forgot-password", ForgotPasswordAsync).AllowAnonymousWithTokenLimit().Accepts<EmailRequest>("application/json")
            .WithSummary("Send a password reset link (always 202)");
        auth.MapPost("/reset-password", ResetPasswordAsync).AllowAnonymousWithTokenLimit().Accepts<ResetPasswordRequest>("application/json")
            .WithSummary("Choose a new password with the userId and code of a reset link");
        auth.MapPost("/resend-confirmation", ResendConfirmationAsync).AllowAnonymousWithTokenLimit().Accepts<EmailRequest>("application/json")
            .WithSummary("Send a new email confirmation link (always 202)");
        auth.MapPost("/confirm-email", ConfirmEmailAsync).AllowAnonymousWithTokenLimit().Accepts<ConfirmEmailRequest>("application/json")
            .WithSummary("Confirm an email address with the userId and code of a confirmation link")
            .WithDescription("status confirmed: sign in. status choose_password: the account was registered elsewhere (or through the API), so its password was removed; set one with reset-password and the resetCode returned.");
        return api;
    }

    private static async Task<Results<Accepted<LinkResponse>, ValidationProblem>> ForgotPasswordAsync(HttpContext context, AccountLinks links, PublicAddress address)
    {
        var (request, problem) = await ReadEmailAsync(context);
        if (problem is not null)
        {
            return problem;
        }
        await links.SendPasswordResetAsync(request!.Email, address.BaseUri(context.Request));
        return TypedResults.Accepted((string?)null, new LinkResponse("sent", Sent));
    }

    private static async Task<Results<Accepted<LinkResponse>, ValidationProblem>> ResendConfirmationAsync(HttpContext context, AccountLinks links, PublicAddress address)
    {
        var (request, problem) = await ReadEmailAsync(context);
        if (problem is not null)
        {
            return problem;
        }
        await links.ResendConfirmationAsync(request!.Email, address.BaseUri(context.Request));
        return TypedResults.Accepted((string?)null, new LinkResponse("sent", Sent));
    }

    private static async Task<Results<NoContent, ValidationProblem>> ResetPasswordAsync(HttpContext context, AccountLinks links)
    {
        var (request, problem) = await StrictJson.ReadAsync<ResetPasswordRequest>(context.Request);
        if (problem is not null)
        {
            return problem;
        }
        if (string.IsNullOrEmpty(request!.UserId) || string.IsNullOrEmpty(request.Code) || string.IsNullOrEmpty(request.NewPassword))
        {
            return ApiProblem.Validation("body", "userId, code and newPassword are required.");
        }
        var result = await links.ResetPasswordAsync(request.UserId, request.Code, request.NewPassword);
        return result.Succeeded
            ? TypedResults.NoContent()
            : ApiProblem.Validation(result.Errors.Select(e => (IdentityErrorFields.FieldOf(e) == IdentityErrorFields.Password ? "newPassword" : "code",
                e.Code == "InvalidToken" ? "The link is invalid, was already used or has expired. Ask for a new one." : e.Description)));
    }

    private static async Task<Results<Ok<LinkResponse>, ValidationProblem>> ConfirmEmailAsync(HttpContext context, AccountLinks links)
    {
        var (request, problem) = await StrictJson.ReadAsync<ConfirmEmailRequest>(context.Request);
        if (problem is not null)
        {
            return problem;
        }
        var result = await links.ConfirmEmailAsync(request!.UserId, request.Code, context.Request);
        return result.Outcome switch
        {
            AccountLinks.Confirmation.Confirmed or AccountLinks.Confirmation.AlreadyConfirmed =>
                TypedResults.Ok(new LinkResponse("confirmed", "The address is confirmed: sign in.")),
            AccountLinks.Confirmation.ChoosePassword =>
                TypedResults.Ok(new LinkResponse("choose_password", "The address is confirmed. Choose the account's password with reset-password and this resetCode.", result.ResetCode)),
            _ => ApiProblem.Validation("code", "The link is invalid or has expired (links last a day). Ask for a new one."),
        };
    }

    private static async Task<(EmailRequest? Request, ValidationProblem? Problem)> ReadEmailAsync(HttpContext context)
    {
        var (request, problem) = await StrictJson.ReadAsync<EmailRequest>(context.Request);
        if (problem is not null)
        {
            return (null, problem);
        }
        return string.IsNullOrWhiteSpace(request!.Email) || request.Email.Length > 256 || !new EmailAddressAttribute().IsValid(request.Email)
            ? (null, ApiProblem.Validation("email", "Enter a valid email address."))
            : (request, null);
    }
}
