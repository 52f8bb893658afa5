using AuthPortal.Features.Audit;
using AuthPortal.Features.Roles;
using AuthPortal.Features.Sessions;
using AuthPortal.Infrastructure.Api;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AuthPortal.Features.ApiKeys;

public sealed record CreateApiKeyRequest(string Name, IReadOnlyList<string>? Scopes, int? ExpiresInDays, DateTimeOffset? ExpiresAt);

public sealed record RenameApiKeyRequest(string Name);

/// <summary>/api/me/api-keys (the caller's own keys) and /api/users/{id}/api-keys (an administrator's view).</summary>
public static class ApiKeysApi
{
    public static RouteGroupBuilder MapApiKeysApi(this RouteGroupBuilder api)
    {
        var mine = api.MapGroup("/me/api-keys").WithTags("API keys");
        mine.MapGet("/", ListAsync).WithSummary("Your API keys (never the keys themselves)");
        mine.MapPost("/", CreateAsync).Accepts<CreateApiKeyRequest>("application/json")
            .WithSummary("Create an API key; the key is in this answer only");
        mine.MapPatch("/{id}", RenameAsync).Accepts<RenameApiKeyRequest>("application/json").WithSummary("Rename one of your API keys");
        mine.MapDelete("/{id}", RevokeAsync).WithSummary("Revoke one of your API keys");

        var users = api.MapGroup("/users/{userId}/api-keys").WithTags("Users");
        users.MapGet("/", ListForUserAsync).RequireAuthorization(Permissions.UsersRead).WithSummary("A user's API keys (users.read)");
        users.MapDelete("/{keyId}", RevokeForUserAsync).RequireAuthorization(Permissions.UsersWrite).RequireWithinReach("userId").WithSummary("Revoke a user's API key (users.write)");
        return api;
    }

    private static async Task<Ok<ItemList<ApiKeyView>>> ListAsync(HttpContext context, ApiKeyStore keys) =>
        TypedResults.Ok(new ItemList<ApiKeyView>(await keys.ListAsync(context.User.UserId(), context.RequestAborted)));

    private static async Task<Results<Created<CreatedApiKey>, ValidationProblem, ProblemHttpResult>> CreateAsync(HttpContext context, ApiKeyStore keys)
    {
        // A key that can mint keys outlives its own revocation: a leaked one would leave fresh ones behind.
        if (context.User.ActsThroughApiKey())
        {
            return ApiProblem.Forbidden("Keys do not create keys", ActorKindClaim.MarksServiceAccount(context.User, context.User.FindUserId())
                ? "A service account's keys are created by an administrator on its page, not by one of its keys."
                : "An API key cannot create API keys. Sign in (password grant or the /api-keys page) to create one.");
        }
        var (request, problem) = await StrictJson.ReadAsync<CreateApiKeyRequest>(context.Request);
        if (problem is not null)
        {
            return problem;
        }
        var (created, errors, quotaReached) = await keys.CreateAsync(context.User.UserId(),
            new ApiKeyRequest(request!.Name, request.Scopes ?? [], request.ExpiresInDays, request.ExpiresAt), callerScope: context.User.Scope(), cancellationToken: context.RequestAborted);
        if (quotaReached)
        {
            return ApiProblem.Conflict("You have as many active API keys as this portal allows (ApiKeys:MaxPerUser). Revoke one first.");
        }
        // No-store: this answer is the only place the key ever appears.
        context.Response.Headers.CacheControl = "no-store";
        return created is null ? ApiProblem.Validation(errors) : TypedResults.Created($"/api/me/api-keys/{created.Id}", created);
    }

    private static async Task<Results<Ok<ApiKeyView>, ValidationProblem, ProblemHttpResult>> RenameAsync(string id, HttpContext context, ApiKeyStore keys)
    {
        var (request, problem) = await StrictJson.ReadAsync<RenameApiKeyRequest>(context.Request);
        if (problem is not null)
        {
            return problem;
        }
        if (ApiKeyStore.NameProblem(request!.Name) is { } nameProblem)
        {
            return ApiProblem.Validation("name", nameProblem);
        }
        return await keys.RenameAsync(context.User.UserId(), id, request.Name, context.RequestAborted) is { } renamed
            ? TypedResults.Ok(renamed)
            : ApiProblem.NotFound("No active API key of yours has this id.");
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(string id, HttpContext context, ApiKeyStore keys)
    {
        var userId = context.User.UserId();
        // Another user's key id answers exactly like an unknown one: 404.
        return await keys.RevokeAsync(userId, id, userId, context.RequestAborted)
            ? TypedResults.NoContent()
            : ApiProblem.NotFound("No active API key of yours has this id.");
    }

    private static async Task<Ok<ItemList<ApiKeyView>>> ListForUserAsync(string userId, ApiKeyStore keys, CancellationToken cancellationToken) =>
        TypedResults.Ok(new ItemList<ApiKeyView>(await keys.ListAsync(userId, cancellationToken)));

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeForUserAsync(string userId, string keyId, HttpContext context, ApiKeyStore keys) =>
        await keys.RevokeAsync(userId, keyId, context.User.UserId(), context.RequestAborted)
            ? TypedResults.NoContent()
            : ApiProblem.NotFound("This user has no active API key with this id.");
}
