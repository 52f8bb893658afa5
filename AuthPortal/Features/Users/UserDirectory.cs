using AuthPortal.Data;
using AuthPortal.Infrastructure.Api;
using AuthPortal.Infrastructure.Database;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace AuthPortal.Features.Users;

public sealed record UserRow(string Id, string Email, string DisplayName, bool EmailConfirmed, DateTimeOffset CreatedAt,
    DateTimeOffset? LastSignInAt, bool IsLockedOut, bool IsDisabled, bool TwoFactorEnabled);

public enum UserSort { Email, DisplayName, CreatedAt, LastSignInAt }

/// <summary>The admin list's filters; null means "any".</summary>
public sealed record UserFilter(string? Role = null, bool? Locked = null, bool? Disabled = null, bool? EmailUnconfirmed = null,
    bool? TwoFactor = null, int? SignedInWithinDays = null, int? CreatedWithinDays = null)
{
    public static UserFilter None { get; } = new();
}

/// <summary>
/// Server-side paging, search, filters and sorting over people (service accounts have their own list), for the admin
/// list, its CSV export and the API. A search or filter counts at most <see cref="CountLimit"/> matches, so a keystroke
/// never counts the whole table; the unfiltered total is counted at most every few seconds.
/// </summary>
public sealed class UserDirectory(IDbContextFactory<AppDbContext> dbFactory, IMemoryCache cache, TimeProvider time)
{
    public const int CountLimit = 10_000;
    private static readonly TimeSpan TotalCountFor = TimeSpan.FromSeconds(30);

    public Task<Paged<UserRow>> SearchAsync(string? search, int page, int pageSize, UserSort sort, bool descending, CancellationToken cancellationToken = default) =>
        SearchAsync(search, UserFilter.None, page, pageSize, sort, descending, cancellationToken);

    public async Task<Paged<UserRow>> SearchAsync(string? search, UserFilter filter, int page, int pageSize, UserSort sort, bool descending,
        CancellationToken cancellationToken = default)
    {
        (page, pageSize) = Paged<UserRow>.Clamp(page, pageSize);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var (query, narrowed) = await QueryAsync(db, search, filter, cancellationToken);
        var total = narrowed
            ? await query.Take(CountLimit + 1).CountAsync(cancellationToken)
            : await cache.GetOrCreateAsync("users:total", async entry =>
            {
                entry.AbsoluteExpirationRelativeToNow = TotalCountFor;
                return await query.CountAsync(cancellationToken);
            });
        var rows = await Sorted(query, sort, descending).Skip((page - 1) * pageSize).Take(pageSize).Select(Row()).ToListAsync(cancellationToken);
        return new Paged<UserRow>(rows.Select(ToRow).ToList(), page, pageSize, total);
    }

    /// <summary>Every matching row in order, read in batches as the caller consumes them (the CSV export streams this).</summary>
    public async IAsyncEnumerable<UserRow> StreamAsync(string? search, UserFilter filter, UserSort sort, bool descending,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var (query, _) = await QueryAsync(db, search, filter, cancellationToken);
        await foreach (var row in Sorted(query, sort, descending).Select(Row()).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            yield return ToRow(row);
        }
    }

    private sealed record RawRow(string Id, string? Email, string DisplayName, bool EmailConfirmed, DateTimeOffset CreatedAt,
        DateTimeOffset? LastSignInAt, DateTimeOffset? LockoutEnd, DateTimeOffset? DisabledAt, bool TwoFactorEnabled);

    private static System.Linq.Expressions.Expression<Func<AppUser, RawRow>> Row() =>
        u => new RawRow(u.Id, u.Email, u.DisplayName, u.EmailConfirmed, u.CreatedAt, u.LastSignInAt, u.LockoutEnd, u.DisabledAt, u.TwoFactorEnabled);

    private UserRow ToRow(RawRow u) => new(u.Id, u.Email ?? "", u.DisplayName, u.EmailConfirmed, u.CreatedAt, u.LastSignInAt,
        u.LockoutEnd is { } end && end > time.GetUtcNow(), u.DisabledAt is not null, u.TwoFactorEnabled);

    private async Task<(IQueryable<AppUser> Query, bool Narrowed)> QueryAsync(AppDbContext db, string? search, UserFilter filter, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var narrowed = false;
        // Service accounts have their own list (/admin/service-accounts), as in Keycloak.
        var query = db.Users.AsNoTracking().Where(u => !u.IsServiceAccount);
        if (!string.IsNullOrWhiteSpace(search))
        {
            if (await UserSearchIndex.SelectiveMatchesAsync(db, search, cancellationToken) is { } ids)
            {
                query = query.Where(u => ids.Contains(u.Id));
            }
            else
            {
                var term = search.Trim().ToUpperInvariant();
                query = query.Where(u => u.NormalizedEmail!.Contains(term) || u.NormalizedUserName!.Contains(term) || u.DisplayName.ToUpper().Contains(term));
            }
            narrowed = true;
        }
        if (!string.IsNullOrWhiteSpace(filter.Role))
        {
            var role = filter.Role.Trim().ToUpperInvariant();
            query = query.Where(u => db.UserRoles.Any(ur => ur.UserId == u.Id && db.Roles.Any(r => r.Id == ur.RoleId && r.NormalizedName == role)));
            narrowed = true;
        }
        if (filter.Locked is { } locked)
        {
            query = locked
                ? await FewAsync(db, query, u => u.LockoutEnd != null && u.LockoutEnd > now, cancellationToken)
                : query.Where(u => u.LockoutEnd == null || u.LockoutEnd <= now);
            narrowed = true;
        }
        if (filter.Disabled is { } disabled)
        {
            // "> MinValue" rather than "not null": SQLite reads an index for a range, not for IS NOT NULL.
            query = disabled ? await FewAsync(db, query, u => u.DisabledAt > DateTimeOffset.MinValue, cancellationToken) : query.Where(u => u.DisabledAt == null);
            narrowed = true;
        }
        if (filter.EmailUnconfirmed is { } unconfirmed)
        {
            query = query.Where(u => u.EmailConfirmed != unconfirmed);
            narrowed = true;
        }
        if (filter.TwoFactor is { } twoFactor)
        {
            query = query.Where(u => u.TwoFactorEnabled == twoFactor);
            narrowed = true;
        }
        if (filter.SignedInWithinDays is { } days)
        {
            var since = now.AddDays(-Math.Clamp(days, 0, MaxDays));
            query = query.Where(u => u.LastSignInAt != null && u.LastSignInAt >= since);
            narrowed = true;
        }
        if (filter.CreatedWithinDays is { } joinedDays)
        {
            var since = now.AddDays(-Math.Clamp(joinedDays, 0, MaxDays));
            query = query.Where(u => u.CreatedAt >= since);
            narrowed = true;
        }
        return (query, narrowed);
    }

    /// <summary>"Within N days" filters look back at most this far (a larger N means the same, and cannot overflow a date).</summary>
    private const int MaxDays = 36_500;

    /// <summary>Past this many matches a condition is not "few": it is applied row by row as the list is walked.</summary>
    private const int FewLimit = 2_000;

    /// <summary>
    /// A condition that holds for few people (locked, disabled): their ids are read through the column's index first, so
    /// the sorted page is taken from them alone. Left in the query, the database walks the sort's index over everyone
    /// and tests each row, which grows with the table, not with the matches.
    /// </summary>
    private static async Task<IQueryable<AppUser>> FewAsync(AppDbContext db, IQueryable<AppUser> query,
        System.Linq.Expressions.Expression<Func<AppUser, bool>> condition, CancellationToken cancellationToken)
    {
        var ids = await db.Users.AsNoTracking().Where(condition).Select(u => u.Id).Take(FewLimit + 1).ToListAsync(cancellationToken);
        return ids.Count <= FewLimit ? query.Where(u => ids.Contains(u.Id)) : query.Where(condition);
    }

    private static IQueryable<AppUser> Sorted(IQueryable<AppUser> query, UserSort sort, bool descending) => (sort, descending) switch
    {
        (UserSort.DisplayName, false) => query.OrderBy(u => u.DisplayName).ThenBy(u => u.Id),
        (UserSort.DisplayName, true) => query.OrderByDescending(u => u.DisplayName).ThenBy(u => u.Id),
        (UserSort.CreatedAt, false) => query.OrderBy(u => u.CreatedAt).ThenBy(u => u.Id),
        (UserSort.CreatedAt, true) => query.OrderByDescending(u => u.CreatedAt).ThenBy(u => u.Id),
        (UserSort.LastSignInAt, false) => query.OrderBy(u => u.LastSignInAt).ThenBy(u => u.Id),
        (UserSort.LastSignInAt, true) => query.OrderByDescending(u => u.LastSignInAt).ThenBy(u => u.Id),
        (_, true) => query.OrderByDescending(u => u.NormalizedEmail),
        _ => query.OrderBy(u => u.NormalizedEmail),
    };
}
