using AuthPortal.Infrastructure.Api;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AuthPortal.Features.Sessions;

/// <summary>/api/me/sessions: the caller's own sessions, browser and API.</summary>
public static class SessionsApi
{
    public static RouteGroupBuilder MapSessionsApi(this RouteGroupBuilder api)
    {
        var sessions = api.MapGroup("/me/sessions").WithTags("Me");
        sessions.MapGet("/", ListAsync).WithSummary("Your sessions, browser and API");
        sessions.MapDelete("/{id}", RevokeAsync).WithSummary("Revoke one of your sessions");
        sessions.MapPost("/revoke-others", RevokeOthersAsync).WithSummary("Revoke every session except the one of this token");
        return api;
    }

    private static async Task<Results<Ok<ItemList<SessionView>>, UnauthorizedHttpResult>> ListAsync(HttpContext context, SessionStore sessions) =>
        await sessions.ListAsync(context.User.UserId(), context.User.SessionId(), context.RequestAborted) is { } items
            ? TypedResults.Ok(new ItemList<SessionView>(items))
            : TypedResults.Unauthorized();

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(string id, HttpContext context, SessionStore sessions)
    {
        var userId = context.User.UserId();
        // Another user's session id answers exactly like an unknown one: 404.
        return await sessions.RevokeAsync(userId, id, new Revocation(RevocationReasons.RevokedByUser, userId), context.RequestAborted)
            ? TypedResults.NoContent()
            : ApiProblem.NotFound("No active session of yours has this id.");
    }

    private static async Task<Ok<RevokedCount>> RevokeOthersAsync(HttpContext context, SessionStore sessions)
    {
        var userId = context.User.UserId();
        var revoked = await sessions.RevokeAllAsync(userId, new Revocation(RevocationReasons.RevokedOthersByUser, userId),
            keepSessionId: context.User.SessionId(), context.RequestAborted);
        return TypedResults.Ok(new RevokedCount(revoked));
    }
}
