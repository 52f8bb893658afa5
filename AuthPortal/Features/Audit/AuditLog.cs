using System.Text.Json;
using AuthPortal.Data;
using Microsoft.EntityFrameworkCore;

namespace AuthPortal.Features.Audit;

/// <summary>
/// The one place features record audit events. <see cref="Append"/> adds an event to the caller's unit of
/// work, so the change and its event commit together or not at all; <see cref="RecordAsync"/> writes an
/// event on its own for actions that change nothing else. <see cref="AuditChain"/> links every event to the
/// one before it when it is saved.
/// </summary>
public sealed class AuditLog(IDbContextFactory<AppDbContext> dbFactory, TimeProvider time, IHttpContextAccessor httpContextAccessor)
{
    private static readonly JsonSerializerOptions DetailsJson = new(JsonSerializerDefaults.Web);

    /// <summary>Adds the event to <paramref name="db"/>; it is chained and written by the caller's SaveChanges.</summary>
    public AuditEvent Append(AppDbContext db, AuditRecord record)
    {
        var auditEvent = ToEvent(record);
        db.AuditEvents.Add(auditEvent);
        return auditEvent;
    }

    /// <summary>Writes one event in its own transaction.</summary>
    public async Task<AuditEvent> RecordAsync(AuditRecord record, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var auditEvent = Append(db, record);
        await db.SaveChangesAsync(cancellationToken);
        return auditEvent;
    }

    /// <summary>The latest events by or about a user, newest first (the admin user page's "recent security events").</summary>
    public async Task<IReadOnlyList<AuditEvent>> RecentForUserAsync(string userId, int count, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.AuditEvents.AsNoTracking().Where(e => e.ActorUserId == userId || (e.TargetType == AuditTargets.User && e.TargetId == userId))
            .OrderByDescending(e => e.Id).Take(count).ToListAsync(cancellationToken);
    }

    /// <summary>Checks the whole chain; returns the id of the first event that does not match, or null.</summary>
    public async Task<long?> FindFirstBrokenLinkAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var previous = "";
        await foreach (var e in db.AuditEvents.AsNoTracking().OrderBy(e => e.Id).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            if (e.PreviousHash != previous || e.Hash != AuditChain.ComputeHash(e))
            {
                return e.Id;
            }
            previous = e.Hash;
        }
        return null;
    }

    private AuditEvent ToEvent(AuditRecord record)
    {
        var http = httpContextAccessor.HttpContext;
        return new AuditEvent
        {
            OccurredAt = time.GetUtcNow(),
            Action = record.Action,
            ActorUserId = record.ActorUserId,
            ActorKind = ActorKindOf(record, http),
            TargetType = record.TargetType,
            TargetId = record.TargetId,
            OrganizationId = record.OrganizationId,
            IpAddress = record.IpAddress ?? http?.Connection.RemoteIpAddress?.ToString(),
            UserAgent = Truncate(record.UserAgent ?? http?.Request.Headers.UserAgent.ToString(), 512),
            Succeeded = record.Succeeded,
            Details = record.Details is null ? null : JsonSerializer.Serialize(record.Details, DetailsJson),
        };
    }

    /// <summary>
    /// A service account acting through the API is recorded as one, whichever feature describes the action: the
    /// request's principal says so, and a feature only knows the actor's user id.
    /// </summary>
    private static ActorKind ActorKindOf(AuditRecord record, HttpContext? http) =>
        record.ActorKind == ActorKind.User && http?.User is { } principal && ActorKindClaim.MarksServiceAccount(principal, record.ActorUserId)
            ? ActorKind.ServiceAccount
            : record.ActorKind;

    private static string? Truncate(string? value, int max) =>
        string.IsNullOrEmpty(value) ? null : value.Length <= max ? value : value[..max];
}
