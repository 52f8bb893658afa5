using System.Globalization;
using System.Text;
using AuthPortal.Features.Audit;
using AuthPortal.Features.Roles;
using AuthPortal.Infrastructure.Api;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AuthPortal.Features.AuditTrail;

/// <summary>/api/audit (audit.read): the log, filtered and paged, and the same view exported as CSV, streamed.</summary>
public static class AuditApi
{
    public static RouteGroupBuilder MapAuditApi(this RouteGroupBuilder api)
    {
        var audit = api.MapGroup("/audit").WithTags("Audit").RequireAuthorization(Permissions.AuditRead);
        audit.MapGet("/", ListAsync).WithSummary("Audit events, newest first, filtered and paged (audit.read)");
        audit.MapGet("/export", ExportAsync).WithSummary("The filtered events as CSV, streamed (audit.read)");
        audit.MapGet("/verify", VerifyAsync).WithSummary("Check the chain; names the first broken link (audit.read)");
        return api;
    }

    /// <summary>The query parameters every audit list takes.</summary>
    public static AuditFilter FilterOf(HttpRequest request, string? organizationId = null)
    {
        var query = request.Query;
        return new AuditFilter(query["action"], query["actor"], query["targetType"], query["targetId"], organizationId ?? query["organizationId"],
            bool.TryParse(query["succeeded"], out var succeeded) ? succeeded : null,
            DateTimeOffset.TryParse(query["from"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var from) ? from : null,
            DateTimeOffset.TryParse(query["to"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var to) ? to : null,
            query["ip"]);
    }

    private static async Task<Ok<Paged<AuditItem>>> ListAsync(HttpContext context, AuditSearch search, int? page, int? pageSize) =>
        TypedResults.Ok(await search.SearchAsync(FilterOf(context.Request), page ?? 1, pageSize ?? Paged<AuditItem>.DefaultPageSize, context.RequestAborted));

    private static async Task<Results<EmptyHttpResult, ValidationProblem>> ExportAsync(HttpContext context, AuditSearch search, string? format)
    {
        if (format is not (null or "csv"))
        {
            return ApiProblem.Validation("format", "Only csv.");
        }
        await WriteCsvAsync(context, search, FilterOf(context.Request));
        return TypedResults.Empty;
    }

    private static async Task<Ok<AuditVerification>> VerifyAsync(AuditLog log, CancellationToken cancellationToken) =>
        TypedResults.Ok(await log.VerifyAsync(cancellationToken));

    /// <summary>Written row by row as the database reads them (one million events never sit in memory).</summary>
    public static async Task WriteCsvAsync(HttpContext context, AuditSearch search, AuditFilter filter)
    {
        context.Response.ContentType = "text/csv; charset=utf-8";
        context.Response.Headers.ContentDisposition = "attachment; filename=\"audit.csv\"";
        await using var writer = new StreamWriter(context.Response.Body, new UTF8Encoding(false), bufferSize: 16 * 1024);
        await writer.WriteLineAsync("id,occurredAt,action,actorUserId,actorKind,targetType,targetId,organizationId,ipAddress,succeeded,details");
        await foreach (var e in search.StreamAsync(filter, context.RequestAborted))
        {
            await writer.WriteLineAsync(string.Join(',', e.Id.ToString(CultureInfo.InvariantCulture), e.OccurredAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
                Csv.Field(e.Action), Csv.Field(e.ActorUserId), e.ActorKind, Csv.Field(e.TargetType), Csv.Field(e.TargetId), Csv.Field(e.OrganizationId),
                Csv.Field(e.IpAddress), e.Succeeded ? "true" : "false", Csv.Field(e.Details?.GetRawText())));
        }
    }
}

/// <summary>The export for the admin page, on the sign-in cookie (a link the browser follows cannot carry a bearer token).</summary>
public static class AuditExport
{
    public const string Path = "/admin/audit/export";

    public static IEndpointRouteBuilder MapAuditExport(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, (HttpContext context, AuditSearch search) => AuditApi.WriteCsvAsync(context, search, AuditApi.FilterOf(context.Request)))
            .RequireAuthorization(Permissions.AuditRead).ExcludeFromDescription();
        return app;
    }
}
