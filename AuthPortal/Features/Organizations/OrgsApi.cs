using AuthPortal.Features.AuditTrail;
using AuthPortal.Features.Roles;
using AuthPortal.Features.Sessions;
using AuthPortal.Infrastructure.Api;
using AuthPortal.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AuthPortal.Features.Organizations;

/// <summary>
/// /api/orgs and /api/invitations/accept. Each route resolves the organization through <see cref="OrgAccess"/>: one
/// the caller cannot see is 404 (never 403) on every route; inside it, the permission the route needs is checked
/// against the caller's role there, narrowed by their token's or key's scope (403 when missing).
/// </summary>
public static class OrgsApi
{
    private const string NoSuchOrganization = "No organization you can see has this id.";

    public static RouteGroupBuilder MapOrgsApi(this RouteGroupBuilder api)
    {
        var orgs = api.MapGroup("/orgs").WithTags("Organizations");
        orgs.MapGet("/", ListAsync).WithSummary("Your organizations with your role in each; ?all=true lists every organization (orgs.manage)");
        orgs.MapPost("/", CreateAsync).Accepts<NewOrganization>("application/json").WithSummary("Create an organization; you become its Owner");
        orgs.MapGet("/{orgId}", GetAsync).WithSummary("One organization, your role and permissions in it");
        orgs.MapPatch("/{orgId}", UpdateAsync).Accepts<OrganizationChange>("application/json").WithSummary("Rename or change the slug (org.update)");
        orgs.MapDelete("/{orgId}", DeleteAsync).WithSummary("Delete the organization (org.delete); members lose access at once");
        orgs.MapGet("/{orgId}/members", MembersAsync).WithSummary("Members, paged and searchable (org.members.read)");
        orgs.MapPost("/{orgId}/members", InviteAsync).Accepts<NewInvitation>("application/json")
            .WithSummary("Invite by email with a role: a single-use link valid 7 days (org.members.manage)");
        orgs.MapPatch("/{orgId}/members/{userId}", ChangeRoleAsync).Accepts<MemberChange>("application/json").WithSummary("Change a member's role (org.members.manage)");
        orgs.MapDelete("/{orgId}/members/{userId}", RemoveAsync).WithSummary("Remove a member (org.members.manage), or leave (your own id)");
        orgs.MapGet("/{orgId}/roles", RolesAsync).WithSummary("Built-in and custom roles with their permissions (org.read)");
        orgs.MapPost("/{orgId}/roles", CreateRoleAsync).Accepts<OrgRoleRequest>("application/json").WithSummary("Create a custom role (org.roles.manage)");
        orgs.MapPut("/{orgId}/roles/{roleId}", UpdateRoleAsync).Accepts<OrgRoleRequest>("application/json").WithSummary("Replace a custom role (org.roles.manage)");
        orgs.MapDelete("/{orgId}/roles/{roleId}", DeleteRoleAsync).WithSummary("Delete a custom role nobody holds (org.roles.manage)");
        orgs.MapGet("/{orgId}/audit", AuditAsync).WithSummary("The organization's audit events, filtered and paged like /api/audit (org.audit.read)");
        orgs.MapGet("/{orgId}/invitations", InvitationsAsync).WithSummary("Pending invitations (org.members.manage)");
        orgs.MapPost("/{orgId}/invitations/{id}/resend", ResendAsync).WithSummary("A fresh link and 7 more days (org.members.manage)");
        orgs.MapDelete("/{orgId}/invitations/{id}", CancelAsync).WithSummary("Cancel an invitation (org.members.manage)");
        api.MapPost("/invitations/accept", AcceptAsync).WithTags("Organizations").Accepts<AcceptInvitation>("application/json")
            .WithSummary("Join the organization an invitation to your email address is for");
        return api;
    }

    private static async Task<Results<Ok<ItemList<MyOrg>>, Ok<Paged<OrgSummary>>, ProblemHttpResult>> ListAsync(HttpContext context, OrgManagement organizations,
        IAuthorizationService authorization, bool? all, string? search, int? page, int? pageSize)
    {
        if (all != true)
        {
            return TypedResults.Ok(new ItemList<MyOrg>(await organizations.ListMineAsync(context.User.UserId(), context.RequestAborted)));
        }
        if (!(await authorization.AuthorizeAsync(context.User, Permissions.OrgsManage)).Succeeded)
        {
            return ApiProblem.Forbidden("Forbidden", "Listing every organization needs orgs.manage.");
        }
        return TypedResults.Ok(await organizations.ListAllAsync(search, page ?? 1, pageSize ?? Paged<OrgSummary>.DefaultPageSize, context.RequestAborted));
    }

    private static async Task<Results<Created<OrgView>, ValidationProblem, ProblemHttpResult>> CreateAsync(HttpContext context, OrgManagement organizations)
    {
        var (request, problem) = await StrictJson.ReadAsync<NewOrganization>(context.Request);
        if (problem is not null)
        {
            return problem;
        }
        var result = await organizations.CreateAsync(context.User.UserId(), request!, context.RequestAborted);
        return result.Outcome switch
        {
            OrgOutcome.Done => TypedResults.Created($"/api/orgs/{result.Value!.Id}", result.Value),
            OrgOutcome.Invalid => ApiProblem.Validation(result.FieldErrors),
            _ => Problem(result),
        };
    }

    private static async Task<Results<Ok<OrgDetails>, ProblemHttpResult>> GetAsync(string orgId, HttpContext context, OrgAccess access, OrgManagement organizations) =>
        await access.ResolveAsync(context.User, orgId, context.RequestAborted) is { } org
            ? TypedResults.Ok(await organizations.DescribeAsync(org, context.RequestAborted))
            : ApiProblem.NotFound(NoSuchOrganization);

    private static async Task<Results<Ok<OrgView>, ValidationProblem, ProblemHttpResult>> UpdateAsync(string orgId, HttpContext context, OrgAccess access, OrgManagement organizations)
    {
        if (await access.ResolveAsync(context.User, orgId, context.RequestAborted) is not { } org)
        {
            return ApiProblem.NotFound(NoSuchOrganization);
        }
        var (request, problem) = await StrictJson.ReadAsync<OrganizationChange>(context.Request);
        if (problem is not null)
        {
            return problem;
        }
        var result = await organizations.UpdateAsync(org, context.User.UserId(), request!, context.RequestAborted);
        return result.Outcome switch
        {
            OrgOutcome.Done => TypedResults.Ok(result.Value!),
            OrgOutcome.Invalid => ApiProblem.Validation(result.FieldErrors),
            _ => Problem(result),
        };
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteAsync(string orgId, HttpContext context, OrgAccess access, OrgManagement organizations)
    {
        if (await access.ResolveAsync(context.User, orgId, context.RequestAborted) is not { } org)
        {
            return ApiProblem.NotFound(NoSuchOrganization);
        }
        var result = await organizations.DeleteAsync(org, context.User.UserId(), context.RequestAborted);
        return result.Outcome switch
        {
            OrgOutcome.Done => TypedResults.NoContent(),
            OrgOutcome.Invalid => ApiProblem.Validation(result.FieldErrors),
            _ => Problem(result),
        };
    }

    private static async Task<Results<Ok<Paged<MemberView>>, ValidationProblem, ProblemHttpResult>> MembersAsync(string orgId, HttpContext context, OrgAccess access,
        OrgManagement organizations, string? search, int? page, int? pageSize)
    {
        if (await access.ResolveAsync(context.User, orgId, context.RequestAborted) is not { } org)
        {
            return ApiProblem.NotFound(NoSuchOrganization);
        }
        var result = await organizations.MembersAsync(org, search, page ?? 1, pageSize ?? Paged<MemberView>.DefaultPageSize, context.RequestAborted);
        return result.Outcome switch
        {
            OrgOutcome.Done => TypedResults.Ok(result.Value!),
            OrgOutcome.Invalid => ApiProblem.Validation(result.FieldErrors),
            _ => Problem(result),
        };
    }

    private static async Task<Results<Accepted<InvitationView>, ValidationProblem, ProblemHttpResult>> InviteAsync(string orgId, HttpContext context, OrgAccess access,
        OrgManagement organizations, PublicAddress address)
    {
        if (await access.ResolveAsync(context.User, orgId, context.RequestAborted) is not { } org)
        {
            return ApiProblem.NotFound(NoSuchOrganization);
        }
        var (request, problem) = await StrictJson.ReadAsync<NewInvitation>(context.Request);
        if (problem is not null)
        {
            return problem;
        }
        var result = await organizations.InviteAsync(org, context.User.UserId(), request!, address.BaseUri(context.Request), context.RequestAborted);
        return result.Outcome switch
        {
            OrgOutcome.Done => TypedResults.Accepted($"/api/orgs/{org.Organization.Id}/invitations", result.Value),
            OrgOutcome.Invalid => ApiProblem.Validation(result.FieldErrors),
            _ => Problem(result),
        };
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ChangeRoleAsync(string orgId, string userId, HttpContext context, OrgAccess access, OrgManagement organizations)
    {
        if (await access.ResolveAsync(context.User, orgId, context.RequestAborted) is not { } org)
        {
            return ApiProblem.NotFound(NoSuchOrganization);
        }
        var (request, problem) = await StrictJson.ReadAsync<MemberChange>(context.Request);
        if (problem is not null)
        {
            return problem;
        }
        var result = await organizations.ChangeRoleAsync(org, context.User.UserId(), userId, request!.Role ?? "", context.RequestAborted);
        return result.Outcome switch
        {
            OrgOutcome.Done => TypedResults.NoContent(),
            OrgOutcome.Invalid => ApiProblem.Validation(result.FieldErrors),
            _ => Problem(result),
        };
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> RemoveAsync(string orgId, string userId, HttpContext context, OrgAccess access, OrgManagement organizations)
    {
        if (await access.ResolveAsync(context.User, orgId, context.RequestAborted) is not { } org)
        {
            return ApiProblem.NotFound(NoSuchOrganization);
        }
        var result = await organizations.RemoveAsync(org, context.User.UserId(), userId, context.RequestAborted);
        return result.Outcome switch
        {
            OrgOutcome.Done => TypedResults.NoContent(),
            OrgOutcome.Invalid => ApiProblem.Validation(result.FieldErrors),
            _ => Problem(result),
        };
    }

    private static async Task<Results<Ok<ItemList<OrgRoleView>>, ValidationProblem, ProblemHttpResult>> RolesAsync(string orgId, HttpContext context, OrgAccess access, OrgManagement organizations)
    {
        if (await access.ResolveAsync(context.User, orgId, context.RequestAborted) is not { } org)
        {
            return ApiProblem.NotFound(NoSuchOrganization);
        }
        var result = await organizations.RolesAsync(org, context.RequestAborted);
        return result.Outcome switch
        {
            OrgOutcome.Done => TypedResults.Ok(new ItemList<OrgRoleView>(result.Value!)),
            OrgOutcome.Invalid => ApiProblem.Validation(result.FieldErrors),
            _ => Problem(result),
        };
    }

    private static Task<Results<Created<OrgRoleView>, ValidationProblem, ProblemHttpResult>> CreateRoleAsync(string orgId, HttpContext context, OrgAccess access, OrgManagement organizations) =>
        SaveRoleAsync(orgId, null, context, access, organizations);

    private static async Task<Results<Ok<OrgRoleView>, ValidationProblem, ProblemHttpResult>> UpdateRoleAsync(string orgId, string roleId, HttpContext context, OrgAccess access, OrgManagement organizations) =>
        await SaveRoleAsync(orgId, roleId, context, access, organizations) switch
        {
            { Result: Created<OrgRoleView> created } => TypedResults.Ok(created.Value!),
            { Result: ValidationProblem invalid } => invalid,
            { Result: ProblemHttpResult refused } => refused,
            _ => ApiProblem.NotFound("No role of this organization has this id."),
        };

    private static async Task<Results<Created<OrgRoleView>, ValidationProblem, ProblemHttpResult>> SaveRoleAsync(string orgId, string? roleId, HttpContext context,
        OrgAccess access, OrgManagement organizations)
    {
        if (await access.ResolveAsync(context.User, orgId, context.RequestAborted) is not { } org)
        {
            return ApiProblem.NotFound(NoSuchOrganization);
        }
        var (request, problem) = await StrictJson.ReadAsync<OrgRoleRequest>(context.Request);
        if (problem is not null)
        {
            return problem;
        }
        var result = await organizations.SaveRoleAsync(org, context.User.UserId(), roleId, request!, context.RequestAborted);
        return result.Outcome switch
        {
            OrgOutcome.Done => TypedResults.Created($"/api/orgs/{org.Organization.Id}/roles/{result.Value!.Id}", result.Value),
            OrgOutcome.Invalid => ApiProblem.Validation(result.FieldErrors),
            _ => Problem(result),
        };
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteRoleAsync(string orgId, string roleId, HttpContext context, OrgAccess access, OrgManagement organizations)
    {
        if (await access.ResolveAsync(context.User, orgId, context.RequestAborted) is not { } org)
        {
            return ApiProblem.NotFound(NoSuchOrganization);
        }
        var result = await organizations.DeleteRoleAsync(org, context.User.UserId(), roleId, context.RequestAborted);
        return result.Outcome switch
        {
            OrgOutcome.Done => TypedResults.NoContent(),
            OrgOutcome.Invalid => ApiProblem.Validation(result.FieldErrors),
            _ => Problem(result),
        };
    }

    private static async Task<Results<Ok<Paged<AuditItem>>, ValidationProblem, ProblemHttpResult>> AuditAsync(string orgId, HttpContext context, OrgAccess access, AuditSearch search,
        int? page, int? pageSize)
    {
        if (await access.ResolveAsync(context.User, orgId, context.RequestAborted) is not { } org)
        {
            return ApiProblem.NotFound(NoSuchOrganization);
        }
        if (!org.Can(Permissions.OrgAuditRead))
        {
            return ApiProblem.Forbidden("Forbidden", "Reading the organization's audit log needs org.audit.read.");
        }
        // Always this organization's events, whatever organizationId the query names.
        var (filter, problem) = AuditApi.ParseFilter(context.Request, org.Organization.Id);
        if (problem is not null)
        {
            return problem;
        }
        return TypedResults.Ok(await search.SearchAsync(filter, page ?? 1, pageSize ?? Paged<AuditItem>.DefaultPageSize, context.RequestAborted));
    }

    private static async Task<Results<Ok<ItemList<InvitationView>>, ValidationProblem, ProblemHttpResult>> InvitationsAsync(string orgId, HttpContext context, OrgAccess access, OrgManagement organizations)
    {
        if (await access.ResolveAsync(context.User, orgId, context.RequestAborted) is not { } org)
        {
            return ApiProblem.NotFound(NoSuchOrganization);
        }
        var result = await organizations.PendingInvitationsAsync(org, context.RequestAborted);
        return result.Outcome switch
        {
            OrgOutcome.Done => TypedResults.Ok(new ItemList<InvitationView>(result.Value!)),
            OrgOutcome.Invalid => ApiProblem.Validation(result.FieldErrors),
            _ => Problem(result),
        };
    }

    private static async Task<Results<Ok<InvitationView>, ValidationProblem, ProblemHttpResult>> ResendAsync(string orgId, string id, HttpContext context, OrgAccess access,
        OrgManagement organizations, PublicAddress address)
    {
        if (await access.ResolveAsync(context.User, orgId, context.RequestAborted) is not { } org)
        {
            return ApiProblem.NotFound(NoSuchOrganization);
        }
        var result = await organizations.ResendInvitationAsync(org, context.User.UserId(), id, address.BaseUri(context.Request), context.RequestAborted);
        return result.Outcome switch
        {
            OrgOutcome.Done => TypedResults.Ok(result.Value!),
            OrgOutcome.Invalid => ApiProblem.Validation(result.FieldErrors),
            _ => Problem(result),
        };
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> CancelAsync(string orgId, string id, HttpContext context, OrgAccess access, OrgManagement organizations)
    {
        if (await access.ResolveAsync(context.User, orgId, context.RequestAborted) is not { } org)
        {
            return ApiProblem.NotFound(NoSuchOrganization);
        }
        var result = await organizations.CancelInvitationAsync(org, context.User.UserId(), id, context.RequestAborted);
        return result.Outcome switch
        {
            OrgOutcome.Done => TypedResults.NoContent(),
            OrgOutcome.Invalid => ApiProblem.Validation(result.FieldErrors),
            _ => Problem(result),
        };
    }

    private static async Task<Results<Ok<MyOrg>, ValidationProblem, ProblemHttpResult>> AcceptAsync(HttpContext context, OrgManagement organizations)
    {
        var (request, problem) = await StrictJson.ReadAsync<AcceptInvitation>(context.Request);
        if (problem is not null)
        {
            return problem;
        }
        var result = await organizations.AcceptAsync(context.User.UserId(), request!.Token ?? "", context.RequestAborted);
        return result.Outcome switch
        {
            OrgOutcome.Done => TypedResults.Ok(result.Value!),
            OrgOutcome.Invalid => ApiProblem.Validation(result.FieldErrors),
            _ => Problem(result),
        };
    }

    /// <summary>Every refusal but a validation one (which names its fields).</summary>
    private static ProblemHttpResult Problem<T>(OrgResult<T> result) => result.Outcome switch
    {
        OrgOutcome.NotFound => ApiProblem.NotFound(result.Detail ?? "Not found in this organization."),
        OrgOutcome.Forbidden => ApiProblem.Forbidden("Forbidden", result.Detail ?? "Your role in this organization does not allow this."),
        _ => ApiProblem.Conflict(result.Detail ?? "This conflicts with the organization's current state."),
    };
}
