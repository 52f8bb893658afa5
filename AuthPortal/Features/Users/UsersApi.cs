using System.Globalization;
using System.Text;
using AuthPortal.Features.Roles;
using AuthPortal.Features.Sessions;
using AuthPortal.Features.SignIn;
using AuthPortal.Infrastructure.Api;
using AuthPortal.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AuthPortal.Features.Users;

public sealed record PermissionExplanation(string Permission, IReadOnlyList<PermissionSourceView> Sources);

public sealed record PermissionSourceView(IReadOnlyList<string> Path, string Grant);

/// <summary>/api/users: reading needs users.read, changes users.write, sessions users.sessions.revoke, roles roles.manage.</summary>
public static class UsersApi
{
    public static RouteGroupBuilder MapUsersApi(this RouteGroupBuilder api)
    {
        var users = api.MapGroup("/users").WithTags("Users");
        users.MapGet("/", ListAsync).RequireAuthorization(Permissions.UsersRead)
            .WithSummary("People, paged, searchable (email, name, user name), sortable and filtered (users.read)");
        users.MapGet("/export", ExportAsync).RequireAuthorization(Permissions.UsersRead)
            .WithSummary("The filtered list as CSV, streamed (users.read)");
        users.MapPost("/", CreateAsync).RequireAuthorization(Permissions.UsersWrite).Accepts<NewUser>("application/json")
            .WithSummary("Create a person's account; they get an email to choose a password. Giving roles also needs roles.manage (users.write)");
        users.MapGet("/{id}", GetAsync).RequireAuthorization(Permissions.UsersRead).WithSummary("One user (users.read)");
        users.MapPatch("/{id}", UpdateAsync).RequireAuthorization(Permissions.UsersWrite).RequireWithinReach().Accepts<UserChange>("application/json")
            .WithSummary("Change a user's display name or time zone (users.write)");
        users.MapDelete("/{id}", DeleteAsync).RequireAuthorization(Permissions.UsersWrite).RequireWithinReach()
            .WithSummary("Delete a user: their data goes, the audit trail stays; never the last administrator (users.write)");
        users.MapGet("/{id}/permissions", ExplainAsync).RequireAuthorization(Permissions.UsersRead)
            .WithSummary("Each permission the user holds and the roles (and wildcards) it comes through; ?permission= asks about one (users.read)");
        users.MapPost("/{id}/lock", LockAsync).RequireAuthorization(Permissions.UsersWrite).RequireWithinReach().WithSummary("Lock until unlocked; ends every session (users.write)");
        users.MapPost("/{id}/unlock", UnlockAsync).RequireAuthorization(Permissions.UsersWrite).RequireWithinReach().WithSummary("Unlock (users.write)");
        users.MapPost("/{id}/send-password-reset", SendPasswordResetAsync).RequireAuthorization(Permissions.UsersWrite).RequireWithinReach()
            .WithSummary("Email the user a password reset link (users.write)");
        users.MapGet("/{id}/sessions", ListSessionsAsync).RequireAuthorization(Permissions.UsersRead)
            .WithSummary("A user's active sessions (users.read)");
        users.MapPost("/{id}/revoke-sessions", RevokeSessionsAsync).RequireAuthorization(Permissions.UsersSessionsRevoke).RequireWithinReach()
            .WithSummary("Sign a user out everywhere (users.sessions.revoke)");
        return api;
    }

    private const string NoSuchUser = "No user has this id.";

    private static UserFilter FilterOf(string? role, bool? locked, bool? disabled, bool? emailUnconfirmed, bool? twoFactor, int? signedInWithinDays, int? createdWithinDays) =>
        new(role, locked, disabled, emailUnconfirmed, twoFactor, signedInWithinDays, createdWithinDays);

    private static async Task<Results<Ok<Paged<UserRow>>, ValidationProblem>> ListAsync(UserDirectory directory, string? search, int? page, int? pageSize,
        string? sort, bool? descending, string? role, bool? locked, bool? disabled, bool? emailUnconfirmed, bool? twoFactor, int? signedInWithinDays, int? createdWithinDays,
        CancellationToken cancellationToken)
    {
        if (!TryParseSort(sort, out var order))
        {
            return ApiProblem.Validation("sort", $"One of {string.Join(", ", Enum.GetNames<UserSort>())}.");
        }
        return TypedResults.Ok(await directory.SearchAsync(search, FilterOf(role, locked, disabled, emailUnconfirmed, twoFactor, signedInWithinDays, createdWithinDays),
            page ?? 1, pageSize ?? Paged<UserRow>.DefaultPageSize, order, descending ?? false, cancellationToken));
    }

    private static bool TryParseSort(string? sort, out UserSort order)
    {
        order = UserSort.Email;
        return string.IsNullOrEmpty(sort) || (Enum.TryParse(sort, ignoreCase: true, out order) && Enum.IsDefined(order));
    }

    /// <summary>Written row by row as the database reads them: 100,000 users never sit in memory at once.</summary>
    internal static async Task<Results<EmptyHttpResult, ValidationProblem>> ExportAsync(HttpContext context, UserDirectory directory, string? search,
        string? sort, bool? descending, string? role, bool? locked, bool? disabled, bool? emailUnconfirmed, bool? twoFactor, int? signedInWithinDays, int? createdWithinDays)
    {
        if (!TryParseSort(sort, out var order))
        {
            return ApiProblem.Validation("sort", $"One of {string.Join(", ", Enum.GetNames<UserSort>())}.");
        }
        context.Response.ContentType = "text/csv; charset=utf-8";
        context.Response.Headers.ContentDisposition = "attachment; filename=\"users.csv\"";
        await using var writer = new StreamWriter(context.Response.Body, new UTF8Encoding(false), bufferSize: 16 * 1024);
        await writer.WriteLineAsync("id,email,displayName,emailConfirmed,twoFactorEnabled,locked,disabled,createdAt,lastSignInAt");
        await foreach (var user in directory.StreamAsync(search, FilterOf(role, locked, disabled, emailUnconfirmed, twoFactor, signedInWithinDays, createdWithinDays),
            order, descending ?? false, context.RequestAborted))
        {
            await writer.WriteLineAsync(string.Join(',', Csv.Field(user.Id), Csv.Field(user.Email), Csv.Field(user.DisplayName), user.EmailConfirmed ? "true" : "false",
                user.TwoFactorEnabled ? "true" : "false", user.IsLockedOut ? "true" : "false", user.IsDisabled ? "true" : "false",
                user.CreatedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture), user.LastSignInAt?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) ?? ""));
        }
        return TypedResults.Empty;
    }

    private static async Task<Results<Created<UserDetails>, ValidationProblem, ProblemHttpResult>> CreateAsync(HttpContext context,
        UserAdministration administration, IAuthorizationService authorization, PublicAddress address)
    {
        var (request, problem) = await StrictJson.ReadAsync<NewUser>(context.Request);
        if (problem is not null)
        {
            return problem;
        }
        if (request!.Roles is { Count: > 0 } && !(await authorization.AuthorizeAsync(context.User, Permissions.RolesManage)).Succeeded)
        {
            return ApiProblem.Forbidden("Forbidden", "Giving roles needs roles.manage: create the user without roles, or ask someone who holds it.");
        }
        var (user, errors) = await administration.CreateAsync(context.User.UserId(), request, address.BaseUri(context.Request), context.User.Scope(), context.RequestAborted);
        if (user is null)
        {
            return errors.Any(e => e.Message.StartsWith("An account already has", StringComparison.Ordinal))
                ? ApiProblem.Conflict("An account already has this email address.")
                : ApiProblem.Validation(errors);
        }
        return TypedResults.Created($"/api/users/{user.Id}", user);
    }

    private static async Task<Results<Ok<UserDetails>, ProblemHttpResult>> GetAsync(string id, UserAdministration administration) =>
        await administration.GetAsync(id) is { } user ? TypedResults.Ok(user) : ApiProblem.NotFound(NoSuchUser);

    private static async Task<Results<Ok<UserDetails>, ValidationProblem, ProblemHttpResult>> UpdateAsync(string id, HttpContext context, UserAdministration administration)
    {
        var (request, problem) = await StrictJson.ReadAsync<UserChange>(context.Request);
        if (problem is not null)
        {
            return problem;
        }
        var (user, errors) = await administration.UpdateAsync(context.User.UserId(), id, request!, context.RequestAborted);
        return user is not null ? TypedResults.Ok(user) : errors.Count > 0 ? ApiProblem.Validation(errors) : ApiProblem.NotFound(NoSuchUser);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, HttpContext context, UserAdministration administration)
    {
        var (found, error) = await administration.DeleteAsync(context.User.UserId(), id, context.RequestAborted);
        return !found ? ApiProblem.NotFound(NoSuchUser) : error is null ? TypedResults.NoContent() : ApiProblem.Conflict(error);
    }

    private static async Task<Results<Ok<ItemList<PermissionExplanation>>, ProblemHttpResult>> ExplainAsync(string id, string? permission,
        UserAdministration administration, UserPermissions permissions, CancellationToken cancellationToken)
    {
        if (await administration.GetAsync(id) is null)
        {
            return ApiProblem.NotFound(NoSuchUser);
        }
        var sources = await permissions.ExplainAsync(id, cancellationToken);
        return TypedResults.Ok(new ItemList<PermissionExplanation>(sources
            .Where(s => permission is null || s.Permission == permission)
            .GroupBy(s => s.Permission)
            .Select(g => new PermissionExplanation(g.Key, g.Select(s => new PermissionSourceView(s.Path, s.Grant)).ToList())).ToList()));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> LockAsync(string id, HttpContext context, UserAdministration administration) =>
        Outcome(await administration.LockAsync(id, context.User.UserId()));

    private static async Task<Results<NoContent, ProblemHttpResult>> UnlockAsync(string id, HttpContext context, UserAdministration administration) =>
        Outcome(await administration.UnlockAsync(id, context.User.UserId()));

    private static Results<NoContent, ProblemHttpResult> Outcome(string? error) =>
        error is null ? TypedResults.NoContent()
        : error == UserAdministration.NoSuchUser ? ApiProblem.NotFound(NoSuchUser)
        : ApiProblem.Conflict(error);

    private static async Task<Results<NoContent, ProblemHttpResult>> SendPasswordResetAsync(string id, HttpContext context, AccountLinks links, PublicAddress address) =>
        await links.SendPasswordResetByAdministratorAsync(id, context.User.UserId(), address.BaseUri(context.Request))
            ? TypedResults.NoContent()
            : ApiProblem.NotFound("No person with an email address has this id.");

    private static async Task<Results<Ok<ItemList<SessionView>>, ProblemHttpResult>> ListSessionsAsync(string id, SessionStore sessions, CancellationToken cancellationToken) =>
        await sessions.ListAsync(id, currentSessionId: null, cancellationToken) is { } items
            ? TypedResults.Ok(new ItemList<SessionView>(items))
            : ApiProblem.NotFound(NoSuchUser);

    private static async Task<Results<Ok<RevokedCount>, ProblemHttpResult>> RevokeSessionsAsync(string id, HttpContext context, UserAdministration administration) =>
        await administration.RevokeSessionsAsync(id, context.User.UserId()) is { } revoked
            ? TypedResults.Ok(new RevokedCount(revoked))
            : ApiProblem.NotFound(NoSuchUser);
}

/// <summary>The export for the admin page, on the sign-in cookie (a link the browser follows cannot carry a bearer token).</summary>
public static class UsersExport
{
    public const string Path = "/admin/users/export";

    public static IEndpointRouteBuilder MapUsersExport(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, UsersApi.ExportAsync).RequireAuthorization(Permissions.UsersRead).ExcludeFromDescription();
        return app;
    }
}
