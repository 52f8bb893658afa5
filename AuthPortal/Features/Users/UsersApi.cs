using AuthPortal.Features.Roles;
using AuthPortal.Features.Sessions;
using AuthPortal.Infrastructure.Api;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AuthPortal.Features.Users;

/// <summary>The session endpoints of the users API (the rest of /api/users arrives with the admin issue).</summary>
public static class UsersApi
{
    public static RouteGroupBuilder MapUsersApi(this RouteGroupBuilder api)
    {
        var users = api.MapGroup("/users").WithTags("Users");
        users.MapGet("/{id}/sessions", ListSessionsAsync).RequireAuthorization(Permissions.UsersRead)
            .WithSummary("A user's active sessions (users.read)");
        users.MapPost("/{id}/revoke-sessions", RevokeSessionsAsync).RequireAuthorization(Permissions.UsersSessionsRevoke)
            .WithSummary("Sign a user out everywhere (users.sessions.revoke)");
        return api;
    }

    private static async Task<Results<Ok<ItemList<SessionView>>, ProblemHttpResult>> ListSessionsAsync(string id, SessionStore sessions, CancellationToken cancellationToken) =>
        await sessions.ListAsync(id, currentSessionId: null, cancellationToken) is { } items
            ? TypedResults.Ok(new ItemList<SessionView>(items))
            : ApiProblem.NotFound("No user has this id.");

    private static async Task<Results<Ok<RevokedCount>, ProblemHttpResult>> RevokeSessionsAsync(string id, HttpContext context, UserAdministration administration) =>
        await administration.RevokeSessionsAsync(id, context.User.UserId()) is { } revoked
            ? TypedResults.Ok(new RevokedCount(revoked))
            : ApiProblem.NotFound("No user has this id.");
}
