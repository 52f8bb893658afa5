using AuthPortal.Features.Sessions;
using AuthPortal.Infrastructure.Api;

namespace AuthPortal.Features.Roles;

/// <summary>Routes that change one account: refused before their handler when the account is out of the caller's reach.</summary>
public static class ReachFilter
{
    /// <summary>A 403 naming what the account holds beyond the caller (<see cref="UserPermissions.OutOfReachAsync"/>).</summary>
    public static TBuilder RequireWithinReach<TBuilder>(this TBuilder builder, string routeParameter = "id") where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (http.GetRouteValue(routeParameter) is string userId
                && await http.RequestServices.GetRequiredService<UserPermissions>().OutOfReachAsync(http.User.UserId(), userId, http.User.Scope(), http.RequestAborted) is { } why)
            {
                return ApiProblem.Forbidden("Out of reach", why);
            }
            return await next(context);
        });
}
