using System.Text.Json;
using AuthPortal.Data;
using Microsoft.EntityFrameworkCore;

namespace AuthPortal.Features.Audit;

/// <summary>The chain's state: intact, or the first broken link and what broke it.</summary>
public sealed record AuditVerification(bool Intact, long? BrokenAtId, string? Problem, int EventsChecked);

/// <summary>
/// The one place features record audit events. <see cref="Append"/> adds an event to the caller's unit of
/// work, so the change and its event commit together or not at all; <see cref="RecordAsync"/> writes an
/// event on its own for actions that change nothing else. <see cref="AuditChain"/> links every event to the
/// one before it when it is saved.
/// </summary>
public sealed class AuditLog(IDbContextFactory<AppDbContext> dbFactory, TimeProvider time, IHttpContextAccessor httpContextAccessor, AuditChainKey chainKey)
{
    private static readonly JsonSerializerOptions DetailsJson = new(JsonSerializerDefaults.Web);

    /// <summary>Adds the event to <paramref name="db"/>; it is chained and written by the caller's SaveChanges.</summary>
    public AuditEvent Append(AppDbContext db, AuditRecord record)
    {
        var auditEvent = Prepare(record);
        db.AuditEvents.Add(auditEvent);
        return auditEvent;
    }

    /// <summary>
    /// Runs an Identity change (which saves through <paramref name="db"/>, the scope's context) and records its event in
    /// one transaction: both are written or neither is.
    /// </summary>
    public async Task<Microsoft.AspNetCore.Identity.IdentityResult> RecordWithAsync(AppDbContext db, AuditRecord record,
        Func<Task<Microsoft.AspNetCore.Identity.IdentityResult>> change, CancellationToken cancellationToken = default)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var result = await change();
        if (!result.Succeeded)
        {
            return result; // the transaction rolls back as it is disposed
        }
        Append(db, record);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return result;
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

    /// <summary>The id of the first event that breaks the chain, or null when it is intact (see <see cref="VerifyAsync"/>).</summary>
    public async Task<long?> FindFirstBrokenLinkAsync(CancellationToken cancellationToken = default) =>
        (await VerifyAsync(cancellationToken)).BrokenAtId;

    /// <summary>
    /// Walks the whole chain and names the first broken link: a row whose fields were edited, a row inserted into the
    /// chain, or rows deleted before a row (its link no longer meets the one before). Retention's removals are not
    /// breaks: the first kept row links to the anchor that the retention event recorded.
    /// </summary>
    public async Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken = default)
    {
        var key = await chainKey.GetAsync(cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var anchors = (await db.AuditEvents.AsNoTracking().Where(e => e.Action == AuditActions.AuditRetention).Select(e => e.Details).ToListAsync(cancellationToken))
            .Select(d => d is null ? null : JsonDocument.Parse(d).RootElement.TryGetProperty("anchor", out var a) ? a.GetString() : null)
            .OfType<string>().ToHashSet(StringComparer.Ordinal);
        string? previous = null;
        var checkedCount = 0;
        await foreach (var e in db.AuditEvents.AsNoTracking().OrderBy(e => e.Id).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            var linked = previous is null ? e.PreviousHash.Length == 0 || anchors.Contains(e.PreviousHash) : e.PreviousHash == previous;
            var genuine = e.Hash == AuditChain.ComputeHash(e, key);
            if (!genuine || !linked)
            {
                var problem = (genuine, linked) switch
                {
                    (false, true) => $"Event {e.Id} was edited: its fields no longer match its hash.",
                    (false, false) => $"Event {e.Id} was inserted: neither its hash nor its link is one the chain made.",
                    _ => previous is null
                        ? $"Events before {e.Id} were removed without a retention record."
                        : $"Events between the one before {e.Id} and {e.Id} were deleted: its link does not meet the event before it.",
                };
                return new AuditVerification(false, e.Id, problem, checkedCount);
            }
            previous = e.Hash;
            checkedCount++;
        }
        return new AuditVerification(true, null, null, checkedCount);
    }

    /// <summary>
    /// The event for <paramref name="record"/>, stamped now with the request's address and agent, for a writer that adds it
    /// to a unit of work later, off the request (<see cref="Tokens.RotationCommits"/>); it is chained when that saves.
    /// </summary>
    public AuditEvent Prepare(AuditRecord record)
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
