using AuthPortal.Features.ApiKeys;
using AuthPortal.Features.Roles;
using AuthPortal.Features.Sessions;
using AuthPortal.Infrastructure.Api;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AuthPortal.Features.ServiceAccounts;

/// <summary>/api/service-accounts: reading needs users.read, every change users.write.</summary>
public static class ServiceAccountsApi
{
    public static RouteGroupBuilder MapServiceAccountsApi(this RouteGroupBuilder api)
    {
        var accounts = api.MapGroup("/service-accounts").WithTags("Service accounts");
        accounts.MapGet("/", ListAsync).RequireAuthorization(Permissions.UsersRead).WithSummary("Service accounts, paged and searchable (users.read)");
        accounts.MapPost("/", CreateAsync).RequireAuthorization(Permissions.UsersWrite).Accepts<NewServiceAccount>("application/json")
            .WithSummary("Create a service account with roles you may give (users.write)");
        accounts.MapGet("/{id}", GetAsync).RequireAuthorization(Permissions.UsersRead).WithSummary("One service account with its effective permissions (users.read)");
        accounts.MapPatch("/{id}", UpdateAsync).RequireAuthorization(Permissions.UsersWrite).Accepts<ServiceAccountChange>("application/json")
            .WithSummary("Rename, describe, change roles, disable or enable; disabling stops every key at once (users.write)");
        accounts.MapDelete("/{id}", DeleteAsync).RequireAuthorization(Permissions.UsersWrite).WithSummary("Delete a service account and its keys (users.write)");
        accounts.MapGet("/{id}/api-keys", ListKeysAsync).RequireAuthorization(Permissions.UsersRead).WithSummary("A service account's API keys (users.read)");
        accounts.MapPost("/{id}/api-keys", CreateKeyAsync).RequireAuthorization(Permissions.UsersWrite).Accepts<CreateApiKeyRequest>("application/json")
            .WithSummary("Create an API key for a service account; the key is in this answer only (users.write)");
        accounts.MapDelete("/{id}/api-keys/{keyId}", RevokeKeyAsync).RequireAuthorization(Permissions.UsersWrite)
            .WithSummary("Revoke a service account's API key (users.write)");
        return api;
    }

    private const string NoSuchAccount = "No service account has this id.";

    private static async Task<Ok<Paged<ServiceAccountRow>>> ListAsync(ServiceAccountAdministration accounts, string? search, int? page, int? pageSize, CancellationToken cancellationToken) =>
        TypedResults.Ok(await accounts.SearchAsync(search, page ?? 1, pageSize ?? Paged<ServiceAccountRow>.DefaultPageSize, cancellationToken));

    private static async Task<Results<Ok<ServiceAccountDetails>, ProblemHttpResult>> GetAsync(string id, ServiceAccountAdministration accounts, CancellationToken cancellationToken) =>
        await accounts.GetAsync(id, cancellationToken) is { } account ? TypedResults.Ok(account) : ApiProblem.NotFound(NoSuchAccount);

    private static async Task<Results<Created<ServiceAccountDetails>, ValidationProblem, ProblemHttpResult>> CreateAsync(HttpContext context, ServiceAccountAdministration accounts)
    {
        var (request, problem) = await StrictJson.ReadAsync<NewServiceAccount>(context.Request);
        if (problem is not null)
        {
            return problem;
        }
        var (account, outcome, errors) = await accounts.CreateAsync(context.User.UserId(), request!, context.User.Scope(), context.RequestAborted);
        return outcome switch
        {
            ServiceAccountOutcome.Done => TypedResults.Created($"/api/service-accounts/{account!.Id}", account),
            ServiceAccountOutcome.NameTaken => ApiProblem.Conflict("A user or service account already has this name."),
            _ => ApiProblem.Validation(errors),
        };
    }

    private static async Task<Results<Ok<ServiceAccountDetails>, ValidationProblem, ProblemHttpResult>> UpdateAsync(string id, HttpContext context, ServiceAccountAdministration accounts)
    {
        var (request, problem) = await StrictJson.ReadAsync<ServiceAccountChange>(context.Request);
        if (problem is not null)
        {
            return problem;
        }
        var (account, outcome, errors) = await accounts.UpdateAsync(context.User.UserId(), id, request!, context.User.Scope(), context.RequestAborted);
        return outcome switch
        {
            ServiceAccountOutcome.Done => TypedResults.Ok(account!),
            ServiceAccountOutcome.NotFound => ApiProblem.NotFound(NoSuchAccount),
            ServiceAccountOutcome.NameTaken => ApiProblem.Conflict("A user or service account already has this name."),
            _ => ApiProblem.Validation(errors),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, HttpContext context, ServiceAccountAdministration accounts) =>
        await accounts.DeleteAsync(context.User.UserId(), id, context.RequestAborted) ? TypedResults.NoContent() : ApiProblem.NotFound(NoSuchAccount);

    private static async Task<Results<Ok<ItemList<ApiKeyView>>, ProblemHttpResult>> ListKeysAsync(string id, ServiceAccountAdministration accounts, CancellationToken cancellationToken) =>
        await accounts.ListKeysAsync(id, cancellationToken) is { } keys ? TypedResults.Ok(new ItemList<ApiKeyView>(keys)) : ApiProblem.NotFound(NoSuchAccount);

    private static async Task<Results<Created<CreatedApiKey>, ValidationProblem, ProblemHttpResult>> CreateKeyAsync(string id, HttpContext context, ServiceAccountAdministration accounts)
    {
        var (request, problem) = await StrictJson.ReadAsync<CreateApiKeyRequest>(context.Request);
        if (problem is not null)
        {
            return problem;
        }
        var (created, outcome, errors) = await accounts.CreateKeyAsync(context.User.UserId(), id,
            new ApiKeyRequest(request!.Name, request.Scopes ?? [], request.ExpiresInDays, request.ExpiresAt), context.User.Scope(), context.RequestAborted);
        // No-store: this answer is the only place the key ever appears.
        context.Response.Headers.CacheControl = "no-store";
        return outcome switch
        {
            ServiceAccountOutcome.Done => TypedResults.Created($"/api/service-accounts/{id}/api-keys/{created!.Id}", created),
            ServiceAccountOutcome.NotFound => ApiProblem.NotFound(NoSuchAccount),
            ServiceAccountOutcome.Disabled => ApiProblem.Conflict("This service account is disabled: enable it before giving it keys."),
            ServiceAccountOutcome.QuotaReached => ApiProblem.Conflict("This service account has as many active API keys as this portal allows (ApiKeys:MaxPerUser). Revoke one first."),
            _ => ApiProblem.Validation(errors),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeKeyAsync(string id, string keyId, HttpContext context, ServiceAccountAdministration accounts, ApiKeyStore keys) =>
        await accounts.GetAsync(id, context.RequestAborted) is not null && await keys.RevokeAsync(id, keyId, context.User.UserId(), context.RequestAborted)
            ? TypedResults.NoContent()
            : ApiProblem.NotFound("This service account has no active API key with this id.");
}
