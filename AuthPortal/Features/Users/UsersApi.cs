using AuthPortal.Features.Me;
using AuthPortal.Features.Sessions;
using AuthPortal.Features.Tokens;
using AuthPortal.Infrastructure.Api;
using AuthPortal.Infrastructure.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AuthPortal.Features.Users;

/// <summary>The session endpoints of the users API (the rest of /api/users arrives with the admin issue).</summary>
public static class UsersApi
{
    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/api/users").RequireAuthorization(JwtSetup.ApiPolicy).WithTags("Users");
        users.MapGet("/{id}/sessions", ListSessionsAsync).RequireAuthorization(Permissions.UsersRead)
            .WithSummary("A user's active sessions (users.read)");
        users.MapPost("/{id}/revoke-sessions", RevokeSessionsAsync).RequireAuthorization(Permissions.UsersSessionsRevoke)
            .WithSummary("Sign a user out everywhere (users.sessions.revoke)");
        return app;
    }

    private static async Task<Results<Ok<SessionListResponse>, ProblemHttpResult>> ListSessionsAsync(string id, UserAdministration administration, UserSessions sessions)
    {
        if (await administration.GetAsync(id) is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: "No user has this id.");
        }
        return TypedResults.Ok(new SessionListResponse((await sessions.ListAsync(id, currentSessionId: null)).Select(MeApi.ToItem).ToList()));
    }

    private static async Task<Results<Ok<RevokedCount>, ProblemHttpResult>> RevokeSessionsAsync(string id, HttpContext context, UserAdministration administration)
    {
        if (await administration.GetAsync(id) is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: "No user has this id.");
        }
        return TypedResults.Ok(new RevokedCount(await administration.RevokeSessionsAsync(id, context.User.UserId())));
    }
}
