using AuthPortal.Features.Roles;
using AuthPortal.Features.Sessions;
using AuthPortal.Features.Tokens;
using Microsoft.AspNetCore.Authorization;

namespace AuthPortal.Infrastructure.Authorization;

/// <summary>The caller must hold at least one of <see cref="AnyOf"/>.</summary>
internal sealed record PermissionRequirement(IReadOnlyList<string> AnyOf) : IAuthorizationRequirement;

/// <summary>
/// The one server-side permission check, for pages and the API alike: the permission must be held now (read from
/// the database through <see cref="UserPermissions"/>, not trusted from the cookie) and, for a bearer token, be
/// inside its scope (<see cref="TokenScope"/>: a scope narrows, never widens).
/// </summary>
internal sealed class PermissionAuthorizationHandler(UserPermissions userPermissions)
    : AuthorizationHandler<PermissionRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, PermissionRequirement requirement)
    {
        if (context.User.Identity?.IsAuthenticated != true || context.User.FindUserId() is not { } userId)
        {
            return;
        }
        var allowed = await userPermissions.GetWithinScopeAsync(userId, context.User.Scope());
        if (requirement.AnyOf.Any(allowed.Contains))
        {
            context.Succeed(requirement);
        }
    }
}

internal static class PermissionPolicies
{
    /// <summary>One policy per system permission, named after it, plus <see cref="Permissions.AdminAreaPolicy"/>.</summary>
    public static AuthorizationBuilder AddPermissionPolicies(this AuthorizationBuilder authorization)
    {
        foreach (var permission in Permissions.System)
        {
            authorization.AddPolicy(permission.Name, policy => policy
                .RequireAuthenticatedUser()
                .AddRequirements(new PermissionRequirement([permission.Name])));
        }
        authorization.AddPolicy(Permissions.AdminAreaPolicy, policy => policy
            .RequireAuthenticatedUser()
            .AddRequirements(new PermissionRequirement(Permissions.AdminArea)));
        return authorization;
    }
}
