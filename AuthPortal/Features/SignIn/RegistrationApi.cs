using System.ComponentModel.DataAnnotations;
using AuthPortal.Infrastructure.Api;
using AuthPortal.Infrastructure.Identity;
using AuthPortal.Infrastructure.Options;
using AuthPortal.Infrastructure.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace AuthPortal.Features.SignIn;

public sealed record RegisterRequest(string Email, string Password, string DisplayName);

public sealed record RegisterResponse(string Status, string Message);

/// <summary>POST /api/auth/register: self-registration for scripts, the same rules as the page.</summary>
public static class RegistrationApi
{
    public static RouteGroupBuilder MapRegistrationApi(this RouteGroupBuilder api)
    {
        api.MapPost("/auth/register", RegisterAsync).WithTags("Authentication").AllowAnonymousWithTokenLimit().DisableAntiforgery()
            .Accepts<RegisterRequest>("application/json")
            .WithSummary("Self-registration")
            .WithDescription("Always 202 with the same body: a message goes to the address (a confirmation link, or a notice when it already has an account), so the answer reveals nothing.");
        return api;
    }

    private static async Task<Results<Accepted<RegisterResponse>, ValidationProblem, ProblemHttpResult>> RegisterAsync(
        HttpContext context, Registration registration, IOptions<AuthOptions> auth, PublicAddress publicAddress)
    {
        if (!auth.Value.AllowSelfRegistration)
        {
            return ApiProblem.Forbidden("Registration is closed", "Accounts on this portal are created by an administrator.");
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
        if (DisplayNames.Normalize(request.DisplayName).Error is { } nameError)
        {
            errors.Add(("displayName", nameError));
        }
        if (string.IsNullOrEmpty(request.Password))
        {
            errors.Add(("password", "Choose a password."));
        }
        if (errors.Count > 0)
        {
            return ApiProblem.Validation(errors);
        }
        var outcome = await registration.RegisterAsync(request.Email, request.DisplayName, request.Password, publicAddress.BaseUri(context.Request));
        switch (outcome.Status)
        {
            case Registration.Status.NotOpenYet:
                return ApiProblem.Forbidden("Registration is not open yet", "The portal has no administrator yet.");
            case Registration.Status.Invalid:
                return ApiProblem.Validation(outcome.Result.Errors.Select(e =>
                    (IdentityErrorFields.FieldOf(e) switch
                    {
                        IdentityErrorFields.Password => "password", IdentityErrorFields.Email => "email", IdentityErrorFields.DisplayName => "displayName", _ => "body",
                    }, e.Description)));
        }
        // One answer, whether the address was free or taken and whether confirmation is required: nothing to enumerate.
        return TypedResults.Accepted((string?)null, new RegisterResponse("confirmation_sent",
            "If the address can be registered, a link is on its way. Open it, then sign in."));
    }
}
