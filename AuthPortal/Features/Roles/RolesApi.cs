using AuthPortal.Features.Sessions;
using AuthPortal.Infrastructure.Api;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AuthPortal.Features.Roles;

public sealed record PermissionView(string Name, string Description, string Area, bool IsOrganizationScoped);

public sealed record UserRolesRequest(IReadOnlyList<string> Roles);

/// <summary>/api/permissions (the catalog), /api/roles (roles.manage) and PUT /api/users/{id}/roles (roles.manage).</summary>
public static class RolesApi
{
    public static RouteGroupBuilder MapRolesApi(this RouteGroupBuilder api)
    {
        api.MapGet("/permissions", ListPermissions).WithTags("Roles").RequireAuthorization()
            .WithSummary("The permission catalog with descriptions; area wildcards such as users.* cover an area's current and future permissions");
        var roles = api.MapGroup("/roles").WithTags("Roles").RequireAuthorization(Permissions.RolesManage);
        roles.MapGet("/", ListAsync).WithSummary("Every system role with its permissions, included roles, effective permissions and holder count (roles.manage)");
        roles.MapPost("/", CreateAsync).Accepts<RoleRequest>("application/json").WithSummary("Create a role (roles.manage)");
        roles.MapGet("/{id}", GetAsync).WithSummary("One role (roles.manage)");
        roles.MapPut("/{id}", UpdateAsync).Accepts<RoleRequest>("application/json").WithSummary("Replace a custom role's definition (roles.manage)");
        roles.MapDelete("/{id}", DeleteAsync).WithSummary("Delete a custom role; its holders lose it (roles.manage)");
        api.MapPut("/users/{id}/roles", SetUserRolesAsync).WithTags("Users").RequireAuthorization(Permissions.RolesManage)
            .Accepts<UserRolesRequest>("application/json").WithSummary("Replace a user's roles (roles.manage)");
        return api;
    }

    private static Ok<ItemList<PermissionView>> ListPermissions() =>
        TypedResults.Ok(new ItemList<PermissionView>(Permissions.System.Concat(Permissions.Organization)
            .Select(p => new PermissionView(p.Name, p.Description, Permissions.AreaOf(p.Name), p.IsOrganizationScoped)).ToList()));

    private static async Task<Ok<ItemList<RoleView>>> ListAsync(RoleAdministration roles, CancellationToken cancellationToken) =>
        TypedResults.Ok(new ItemList<RoleView>(await roles.ListAsync(cancellationToken)));

    private static async Task<Results<Ok<RoleView>, ProblemHttpResult>> GetAsync(string id, RoleAdministration roles, CancellationToken cancellationToken) =>
        await roles.GetAsync(id, cancellationToken) is { } role ? TypedResults.Ok(role) : ApiProblem.NotFound(NoSuchRole);

    private static async Task<Results<Created<RoleView>, ValidationProblem, ProblemHttpResult>> CreateAsync(HttpContext context, RoleAdministration roles)
    {
        var (request, problem) = await StrictJson.ReadAsync<RoleRequest>(context.Request);
        if (problem is not null)
        {
            return problem;
        }
        var result = await roles.CreateAsync(context.User.UserId(), request!, context.User.Scope(), context.RequestAborted);
        return result.Outcome switch
        {
            RoleOutcome.Done => TypedResults.Created($"/api/roles/{result.Role!.Id}", result.Role),
            RoleOutcome.Invalid => ApiProblem.Validation(result.FieldErrors),
            _ => Refusal(result),
        };
    }

    private static async Task<Results<Ok<RoleView>, ValidationProblem, ProblemHttpResult>> UpdateAsync(string id, HttpContext context, RoleAdministration roles)
    {
        var (request, problem) = await StrictJson.ReadAsync<RoleRequest>(context.Request);
        if (problem is not null)
        {
            return problem;
        }
        var result = await roles.UpdateAsync(context.User.UserId(), id, request!, context.User.Scope(), context.RequestAborted);
        return result.Outcome switch
        {
            RoleOutcome.Done => TypedResults.Ok(result.Role!),
            RoleOutcome.Invalid => ApiProblem.Validation(result.FieldErrors),
            _ => Refusal(result),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, HttpContext context, RoleAdministration roles)
    {
        var result = await roles.DeleteAsync(context.User.UserId(), id, context.User.Scope(), context.RequestAborted);
        return result.Outcome == RoleOutcome.Done ? TypedResults.NoContent() : Refusal(result);
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> SetUserRolesAsync(string id, HttpContext context, RoleAdministration roles)
    {
        var (request, problem) = await StrictJson.ReadAsync<UserRolesRequest>(context.Request);
        if (problem is not null)
        {
            return problem;
        }
        if (request!.Roles is null)
        {
            return ApiProblem.Validation("roles", "Send the complete list of role names (an empty list removes every role).");
        }
        var result = await roles.SetUserRolesAsync(context.User.UserId(), id, request.Roles, context.User.Scope(), context.RequestAborted);
        return result.Outcome switch
        {
            RoleOutcome.Done => TypedResults.NoContent(),
            RoleOutcome.Invalid => ApiProblem.Validation(result.FieldErrors),
            _ => Refusal(result, "No user has this id."),
        };
    }

    private const string NoSuchRole = "No role has this id.";

    private static ProblemHttpResult Refusal(RoleResult result, string notFound = NoSuchRole) => result.Outcome switch
    {
        RoleOutcome.NotFound => ApiProblem.NotFound(notFound),
        RoleOutcome.NameTaken => ApiProblem.Conflict("Another role has this name."),
        RoleOutcome.Forbidden => ApiProblem.Forbidden("Beyond what you hold", result.Detail!),
        _ => ApiProblem.Conflict(result.Detail ?? "The role cannot be changed this way."),
    };
}
