using System.ComponentModel.DataAnnotations;
using AuthPortal.Components.Account;
using AuthPortal.Features.Sessions;
using AuthPortal.Infrastructure.Api;
using AuthPortal.Infrastructure.Hosting;
using AuthPortal.Infrastructure.Options;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace AuthPortal.Features.Tokens;

public sealed record RegisterRequest(string Email, string Password, string DisplayName);

public sealed record RegisterResponse(string Status, string Message);

/// <summary>POST /api/auth/register and POST /api/auth/logout.</summary>
public static class AccountApi
{
    public static IEndpointRouteBuilder MapAccountApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/auth/register", RegisterAsync).WithTags("Authentication").AllowAnonymous().DisableAntiforgery()
            .RequireRateLimiting(TokenApi.RateLimitPolicy)
            .Accepts<RegisterRequest>("application/json")
            .WithSummary("Self-registration")
            .WithDescription("202: a confirmation email was sent (also when the address already has an account, so the answer reveals nothing). 201: confirmation is off and the account exists.");
        app.MapPost("/api/auth/logout", LogoutAsync).WithTags("Authentication").RequireAuthorization(JwtSetup.ApiPolicy)
            .WithSummary("Revoke the session of the calling token (and every token from it)");
        return app;
    }

    private static async Task<Results<Created<RegisterResponse>, Accepted<RegisterResponse>, ValidationProblem, ProblemHttpResult>> RegisterAsync(
        HttpContext context, Registration registration, IOptions<AuthOptions> auth, PublicAddress publicAddress)
    {
        if (!auth.Value.AllowSelfRegistration)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Registration is closed",
                detail: "Accounts on this portal are created by an administrator.");
        }
        var (request, problem) = await StrictJson.ReadAsync<RegisterRequest>(context.Request);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new List<(string, string)>();
        if (string.IsNullOrWhiteSpace(request!.Email) || request.Email.Length > 256 || !new EmailAddressAttribute().IsValid(request.Email))
        {
            errors.Add(("email", "Enter a valid email address."));
        }
        if (string.IsNullOrWhiteSpace(request.DisplayName) || request.DisplayName.Length > 100)
        {
            errors.Add(("displayName", "Enter a name of at most 100 characters."));
        }
        if (string.IsNullOrEmpty(request.Password))
        {
            errors.Add(("password", "Choose a password."));
        }
        if (errors.Count > 0)
        {
            return StrictJson.Problem(errors);
        }
        var baseUri = publicAddress.Configured ?? $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}/";
        var outcome = await registration.RegisterAsync(request.Email, request.DisplayName, request.Password, baseUri);
        switch (outcome.Status)
        {
            case Registration.Status.NotOpenYet:
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Registration is not open yet",
                    detail: "The portal has no administrator yet.");
            case Registration.Status.Invalid:
                return StrictJson.Problem(outcome.Result.Errors.Select(e =>
                    (IdentityErrorFields.FieldOf(e) switch { IdentityErrorFields.Password => "password", IdentityErrorFields.Email => "email", _ => "body" }, e.Description)));
        }
        if (registration.RequiresConfirmation || outcome.Status == Registration.Status.AlreadyRegistered)
        {
            return TypedResults.Accepted((string?)null, new RegisterResponse("confirmation_sent",
                "If the address can be registered, a confirmation link is on its way. Open it, then sign in."));
        }
        return TypedResults.Created((string?)null, new RegisterResponse("created", "The account is ready: sign in."));
    }

    private static async Task<NoContent> LogoutAsync(HttpContext context, UserSessions sessions)
    {
        var userId = context.User.UserId();
        if (context.User.SessionId() is { } sessionId)
        {
            await sessions.RevokeAsync(userId, sessionId, new Revocation("signed_out", userId));
        }
        return TypedResults.NoContent();
    }
}
