using AuthPortal.Data;
using AuthPortal.Features.Account;
using AuthPortal.Features.Organizations;
using AuthPortal.Features.Roles;
using AuthPortal.Features.Sessions;
using AuthPortal.Features.Tokens;
using AuthPortal.Infrastructure.Api;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;

namespace AuthPortal.Features.Me;


public sealed record MeResponse(string Id, string Email, string UserName, string DisplayName, string TimeZone, bool EmailConfirmed,
    bool TwoFactorEnabled, IReadOnlyList<string> Roles, IReadOnlyList<string> Permissions, IReadOnlyList<MyOrg> Organizations);

/// <summary>PATCH /api/me: only these fields; anything else (email, roles, …) is refused.</summary>
public sealed record UpdateMeRequest(string? DisplayName, string? TimeZone);

public sealed record ChangePasswordRequest(string CurrentPassword, string NewPassword);

/// <summary>/api/me: the caller's own account.</summary>
public static class MeApi
{
    public static RouteGroupBuilder MapMeApi(this RouteGroupBuilder api)
    {
        var me = api.MapGroup("/me").WithTags("Me");
        me.MapGet("/", GetAsync).WithSummary("The signed-in user, their roles and current permissions");
        me.MapPatch("/", UpdateAsync).Accepts<UpdateMeRequest>("application/json").WithSummary("Change display name or time zone");
        me.MapPost("/password", ChangePasswordAsync).Accepts<ChangePasswordRequest>("application/json")
            .WithSummary("Change the password (the current one is required); other sessions are signed out");
        return api;
    }

    private static async Task<MeResponse?> DescribeAsync(MeProfiles profiles, UserPermissions permissions, OrgManagement organizations, System.Security.Claims.ClaimsPrincipal caller)
    {
        var user = await profiles.GetAsync(caller.UserId());
        if (user is null)
        {
            return null;
        }
        // What this token may actually do: current permissions, narrowed by its scope.
        var effective = await permissions.GetWithinScopeAsync(user.Id, caller.Scope());
        return new MeResponse(user.Id, user.Email, user.UserName, user.DisplayName, user.TimeZone, user.EmailConfirmed,
            user.TwoFactorEnabled, user.Roles, [.. effective.Order(StringComparer.Ordinal)], await organizations.ListMineAsync(user.Id));
    }

    private static async Task<Results<Ok<MeResponse>, UnauthorizedHttpResult>> GetAsync(HttpContext context, MeProfiles profiles, UserPermissions permissions, OrgManagement organizations) =>
        await DescribeAsync(profiles, permissions, organizations, context.User) is { } me
            ? TypedResults.Ok(me)
            : TypedResults.Unauthorized();

    private static async Task<Results<Ok<MeResponse>, ValidationProblem, UnauthorizedHttpResult>> UpdateAsync(
        HttpContext context, SelfService self, MeProfiles profiles, UserPermissions permissions, OrgManagement organizations)
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
            return ApiProblem.Validation(errors.Select(e => (Camel(e.Field ?? "body"), e.Message)));
        }
        profiles.Forget(userId);
        return TypedResults.Ok((await DescribeAsync(profiles, permissions, organizations, context.User))!);
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
            return ApiProblem.Validation([("currentPassword", "Both currentPassword and newPassword are required."), ("newPassword", "Both currentPassword and newPassword are required.")]);
        }
        var errors = await self.ChangePasswordAsync(context.User.UserId(), context.User.SessionId(), request.CurrentPassword, request.NewPassword);
        return errors.Count == 0 ? TypedResults.NoContent() : ApiProblem.Validation(errors.Select(e => (Camel(e.Field ?? "body"), e.Message)));
    }

    private static string Camel(string field) => field.Length == 0 ? field : char.ToLowerInvariant(field[0]) + field[1..];
}
