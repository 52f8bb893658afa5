using AuthPortal.Features.AuditTrail;
using AuthPortal.Features.Roles;

namespace AuthPortal.Features.Organizations;

/// <summary>
/// The organization Audit tab's CSV export, on the sign-in cookie (a link the browser follows cannot carry a bearer
/// token). Only members holding org.audit.read get it, and only their organization's events, whatever the query names.
/// </summary>
public static class OrgAuditExport
{
    public static string PathFor(string slug) => $"/orgs/{Uri.EscapeDataString(slug)}/audit/export";

    public static IEndpointRouteBuilder MapOrgAuditExport(this IEndpointRouteBuilder app)
    {
        app.MapGet("/orgs/{slug}/audit/export", ExportAsync).RequireAuthorization().ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> ExportAsync(string slug, HttpContext context, OrgAccess access, AuditSearch search)
    {
        // Not a member (or no such organization) and a member without the permission both get 404: the export says
        // nothing about organizations the caller may not read.
        if (await access.ResolveAsync(context.User, slug, context.RequestAborted) is not { } org || !org.Can(Permissions.OrgAuditRead))
        {
            return Results.NotFound();
        }
        return await AuditApi.ExportCsvAsync(context, search, org.Organization.Id);
    }
}
