using System.Globalization;
using System.Text;
using AuthPortal.Features.Audit;
using AuthPortal.Features.Roles;
using AuthPortal.Infrastructure.Api;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Primitives;

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

    /// <summary>
    /// The query parameters every audit list and export takes. A value that cannot be read (a date that is no date, an
    /// outcome that is not true or false) is an error naming the parameter, never silently ignored: ignoring it would
    /// widen the view, and an export of "everything" is not what was asked for.
    /// </summary>
    public static (AuditFilter Filter, ValidationProblem? Problem) ParseFilter(HttpRequest request, string? organizationId = null)
    {
        var query = request.Query;
        var errors = new List<(string Field, string Message)>();
        bool? succeeded = null;
        if (!StringValues.IsNullOrEmpty(query["succeeded"]))
        {
            if (bool.TryParse(query["succeeded"], out var parsed))
            {
                succeeded = parsed;
            }
            else
            {
                errors.Add(("succeeded", "true or false."));
            }
        }
        var from = Instant(query, "from", errors);
        var to = Instant(query, "to", errors);
        if (from is not null && to is not null && to < from)
        {
            errors.Add(("to", "Must not be before from."));
        }
        var filter = new AuditFilter(query["action"], query["actor"], query["targetType"], query["targetId"], organizationId ?? query["organizationId"],
            succeeded, from, to, query["ip"]);
        return (filter, errors.Count == 0 ? null : ApiProblem.Validation(errors));
    }

    private static DateTimeOffset? Instant(IQueryCollection query, string name, List<(string Field, string Message)> errors)
    {
        if (StringValues.IsNullOrEmpty(query[name]))
        {
            return null;
        }
        if (DateTimeOffset.TryParse(query[name], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
        {
            return value;
        }
        errors.Add((name, "An ISO 8601 date or date and time, such as 2026-11-01 or 2026-11-01T08:00:00Z."));
        return null;
    }

    private static async Task<Results<Ok<Paged<AuditItem>>, ValidationProblem>> ListAsync(HttpContext context, AuditSearch search, int? page, int? pageSize)
    {
        var (filter, problem) = ParseFilter(context.Request);
        if (problem is not null)
        {
            return problem;
        }
        return TypedResults.Ok(await search.SearchAsync(filter, page ?? 1, pageSize ?? Paged<AuditItem>.DefaultPageSize, context.RequestAborted));
    }

    private static async Task<Results<EmptyHttpResult, ValidationProblem>> ExportAsync(HttpContext context, AuditSearch search, string? format)
    {
        if (format is not (null or "csv"))
        {
            return ApiProblem.Validation("format", "Only csv.");
        }
        return await ExportCsvAsync(context, search);
    }

    /// <summary>Checks the filters, then streams the CSV (the API, the admin page's and the organization tab's exports).</summary>
    public static async Task<Results<EmptyHttpResult, ValidationProblem>> ExportCsvAsync(HttpContext context, AuditSearch search, string? organizationId = null)
    {
        var (filter, problem) = ParseFilter(context.Request, organizationId);
        if (problem is not null)
        {
            return problem;
        }
        await WriteCsvAsync(context, search, filter);
        return TypedResults.Empty;
    }

    private static async Task<Ok<AuditVerification>> VerifyAsync(AuditLog log, CancellationToken cancellationToken) =>
        TypedResults.Ok(await log.VerifyAsync(cancellationToken));

    /// <summary>Written row by row as the database reads them (one million events never sit in memory).</summary>
    private static async Task WriteCsvAsync(HttpContext context, AuditSearch search, AuditFilter filter)
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
        app.MapGet(Path, (HttpContext context, AuditSearch search) => AuditApi.ExportCsvAsync(context, search))
            .RequireAuthorization(Permissions.AuditRead).ExcludeFromDescription();
        return app;
    }
}
