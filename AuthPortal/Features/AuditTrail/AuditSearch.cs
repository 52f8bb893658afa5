using System.Runtime.CompilerServices;
using System.Text.Json;
using AuthPortal.Data;
using AuthPortal.Features.Audit;
using AuthPortal.Infrastructure.Api;
using Microsoft.EntityFrameworkCore;

namespace AuthPortal.Features.AuditTrail;

/// <summary>One event as lists, exports and the API show it (DESIGN.md's item fields); details as a JSON object.</summary>
public sealed record AuditItem(long Id, DateTimeOffset OccurredAt, string Action, string? ActorUserId, string ActorKind, string? TargetType,
    string? TargetId, string? OrganizationId, string? IpAddress, bool Succeeded, JsonElement? Details, string? UserAgent = null);

/// <summary>Filters over the audit log; null means any. <see cref="Action"/> ending in a dot matches every action under it.</summary>
public sealed record AuditFilter(string? Action = null, string? ActorUserId = null, string? TargetType = null, string? TargetId = null,
    string? OrganizationId = null, bool? Succeeded = null, DateTimeOffset? From = null, DateTimeOffset? To = null, string? IpAddress = null);

/// <summary>
/// Reads the audit log newest first: paged with a bounded count for the list and the API, streamed for exports. Nothing
/// here edits or deletes an event (retention is the only remover, and it records that it did).
/// </summary>
public sealed class AuditSearch(IDbContextFactory<AppDbContext> dbFactory)
{
    public const int CountLimit = 10_000;

    public async Task<Paged<AuditItem>> SearchAsync(AuditFilter filter, int page, int pageSize, CancellationToken cancellationToken = default)
    {
        (page, pageSize) = Paged<AuditItem>.Clamp(page, pageSize);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = Filtered(db, filter);
        var total = await query.Take(CountLimit + 1).CountAsync(cancellationToken);
        var rows = await query.OrderByDescending(e => e.Id).Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(cancellationToken);
        return new Paged<AuditItem>(rows.Select(ToItem).ToList(), page, pageSize, total);
    }

    /// <summary>Every matching event, newest first, read as the caller writes them out.</summary>
    public async IAsyncEnumerable<AuditItem> StreamAsync(AuditFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await foreach (var e in Filtered(db, filter).OrderByDescending(e => e.Id).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            yield return ToItem(e);
        }
    }

    /// <summary>Email (or, for a service account, name) of each account among <paramref name="userIds"/> that still exists, for lists to show people rather than ids.</summary>
    public async Task<IReadOnlyDictionary<string, string>> AccountNamesAsync(IEnumerable<string?> userIds, CancellationToken cancellationToken = default)
    {
        var ids = userIds.OfType<string>().Distinct().ToList();
        if (ids.Count == 0)
        {
            return new Dictionary<string, string>();
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id))
            .Select(u => new { u.Id, Name = u.Email ?? u.DisplayName }).ToDictionaryAsync(u => u.Id, u => u.Name, cancellationToken);
    }

    private static IQueryable<AuditEvent> Filtered(AppDbContext db, AuditFilter filter)
    {
        var query = db.AuditEvents.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(filter.Action))
        {
            var action = filter.Action.Trim();
            query = action.EndsWith('.') ? query.Where(e => e.Action.StartsWith(action)) : query.Where(e => e.Action == action);
        }
        if (!string.IsNullOrWhiteSpace(filter.ActorUserId))
        {
            query = query.Where(e => e.ActorUserId == filter.ActorUserId);
        }
        if (!string.IsNullOrWhiteSpace(filter.TargetType))
        {
            query = query.Where(e => e.TargetType == filter.TargetType);
        }
        if (!string.IsNullOrWhiteSpace(filter.TargetId))
        {
            query = query.Where(e => e.TargetId == filter.TargetId);
        }
        if (!string.IsNullOrWhiteSpace(filter.OrganizationId))
        {
            query = query.Where(e => e.OrganizationId == filter.OrganizationId);
        }
        if (filter.Succeeded is { } succeeded)
        {
            query = query.Where(e => e.Succeeded == succeeded);
        }
        if (filter.From is { } from)
        {
            query = query.Where(e => e.OccurredAt >= from);
        }
        if (filter.To is { } to)
        {
            query = query.Where(e => e.OccurredAt < to);
        }
        if (!string.IsNullOrWhiteSpace(filter.IpAddress))
        {
            query = query.Where(e => e.IpAddress == filter.IpAddress);
        }
        return query;
    }

    private static AuditItem ToItem(AuditEvent e) => new(e.Id, e.OccurredAt, e.Action, e.ActorUserId, e.ActorKind.ToString(), e.TargetType, e.TargetId,
        e.OrganizationId, e.IpAddress, e.Succeeded, e.Details is null ? null : JsonDocument.Parse(e.Details).RootElement.Clone(), e.UserAgent);
}
