using AuthPortal.Data;
using AuthPortal.Features.Account;
using AuthPortal.Features.Audit;
using AuthPortal.Features.Sessions;
using AuthPortal.Features.Tokens;
using AuthPortal.Infrastructure.Api;
using AuthPortal.Infrastructure.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;

namespace AuthPortal.Features.Me;

public sealed record OrganizationMembership(string Id, string Slug, string Name, string Role);

public sealed record MeResponse(string Id, string Email, string UserName, string DisplayName, string TimeZone, bool EmailConfirmed,
    bool TwoFactorEnabled, IReadOnlyList<string> Roles, IReadOnlyList<string> Permissions, IReadOnlyList<OrganizationMembership> Organizations);

/// <summary>PATCH /api/me: only these fields; anything else (email, roles, …) is refused.</summary>
public sealed record UpdateMeRequest(string? DisplayName, string? TimeZone);

public sealed record ChangePasswordRequest(string CurrentPassword, string NewPassword);

public sealed record SessionItem(string Id, string Kind, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, DateTimeOffset ExpiresAt,
    string? IpAddress, string Device, bool Current);

public sealed record SessionListResponse(IReadOnlyList<SessionItem> Items);

public sealed record RevokedCount(int Revoked);

public static class MeApi
{
    public static IEndpointRouteBuilder MapMeApi(this IEndpointRouteBuilder app)
    {
        var me = app.MapGroup("/api/me").RequireAuthorization(JwtSetup.ApiPolicy).WithTags("Me");
        me.MapGet("/", GetAsync).WithSummary("The signed-in user, their roles and current permissions");
        me.MapPatch("/", UpdateAsync).Accepts<UpdateMeRequest>("application/json").WithSummary("Change display name or time zone");
        me.MapPost("/password", ChangePasswordAsync).Accepts<ChangePasswordRequest>("application/json")
            .WithSummary("Change the password (the current one is required); other sessions are signed out");
        me.MapGet("/sessions", ListSessionsAsync).WithSummary("Your sessions, browser and API");
        me.MapDelete("/sessions/{id}", RevokeSessionAsync).WithSummary("Revoke one of your sessions");
        me.MapPost("/sessions/revoke-others", RevokeOthersAsync).WithSummary("Revoke every session except the one of this token");
        return app;
    }

    internal static async Task<MeResponse?> DescribeAsync(UserManager<AppUser> users, UserPermissions permissions, string userId, string? scope)
    {
        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return null;
        }
        var held = await permissions.GetAsync(userId);
        // What this token may actually do: current permissions, narrowed by its scope.
        var effective = scope is null ? held : held.Intersect(scope.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToHashSet();
        return new MeResponse(user.Id, user.Email ?? "", user.UserName ?? "", user.DisplayName, user.TimeZone, user.EmailConfirmed,
            user.TwoFactorEnabled, [.. (await users.GetRolesAsync(user)).Order()], [.. effective.Order(StringComparer.Ordinal)], []);
    }

    private static async Task<Results<Ok<MeResponse>, UnauthorizedHttpResult>> GetAsync(HttpContext context, UserManager<AppUser> users, UserPermissions permissions) =>
        await DescribeAsync(users, permissions, context.User.UserId(), context.User.FindFirst("scope")?.Value) is { } me
            ? TypedResults.Ok(me)
            : TypedResults.Unauthorized();

    private static async Task<Results<Ok<MeResponse>, ValidationProblem, UnauthorizedHttpResult>> UpdateAsync(
        HttpContext context, SelfService self, UserManager<AppUser> users, UserPermissions permissions)
    {
        var (request, problem) = await StrictJson.ReadAsync<UpdateMeRequest>(context.Request);
        if (problem is not null)
        {
            return problem;
        }
        var userId = context.User.UserId();
        var current = await self.GetProfileAsync(userId);
        if (current is null)
        {
            return TypedResults.Unauthorized();
        }
        var errors = await self.UpdateProfileAsync(userId, request!.DisplayName ?? current.DisplayName, request.TimeZone ?? current.TimeZone);
        if (errors.Count > 0)
        {
            return StrictJson.Problem(errors.Select(e => (Camel(e.Field ?? "body"), e.Message)));
        }
        return TypedResults.Ok((await DescribeAsync(users, permissions, userId, context.User.FindFirst("scope")?.Value))!);
    }

    private static async Task<Results<NoContent, ValidationProblem>> ChangePasswordAsync(HttpContext context, SelfService self)
    {
        var (request, problem) = await StrictJson.ReadAsync<ChangePasswordRequest>(context.Request);
        if (problem is not null)
        {
            return problem;
        }
        if (string.IsNullOrEmpty(request!.CurrentPassword) || string.IsNullOrEmpty(request.NewPassword))
        {
            return StrictJson.Problem([("currentPassword", "Both currentPassword and newPassword are required."), ("newPassword", "Both currentPassword and newPassword are required.")]);
        }
        var errors = await self.ChangePasswordAsync(context.User.UserId(), context.User.SessionId(), request.CurrentPassword, request.NewPassword);
        return errors.Count == 0 ? TypedResults.NoContent() : StrictJson.Problem(errors.Select(e => (Camel(e.Field ?? "body"), e.Message)));
    }

    internal static SessionItem ToItem(SessionView s) =>
        new(s.Id, s.Kind.ToString(), s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.IpAddress, s.Device, s.Current);

    private static async Task<Ok<SessionListResponse>> ListSessionsAsync(HttpContext context, UserSessions sessions) =>
        TypedResults.Ok(new SessionListResponse((await sessions.ListAsync(context.User.UserId(), context.User.SessionId())).Select(ToItem).ToList()));

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeSessionAsync(string id, HttpContext context, UserSessions sessions)
    {
        var userId = context.User.UserId();
        // Another user's session id answers exactly like an unknown one: 404.
        return await sessions.RevokeAsync(userId, id, new Revocation("revoked_by_user", userId))
            ? TypedResults.NoContent()
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: "No active session of yours has this id.");
    }

    private static async Task<Ok<RevokedCount>> RevokeOthersAsync(HttpContext context, UserSessions sessions)
    {
        var userId = context.User.UserId();
        return TypedResults.Ok(new RevokedCount(await sessions.RevokeAllAsync(userId, new Revocation("revoked_others_by_user", userId), keepSessionId: context.User.SessionId())));
    }

    private static string Camel(string field) => field.Length == 0 ? field : char.ToLowerInvariant(field[0]) + field[1..];
}
