using AuthPortal.Data;
using AuthPortal.Infrastructure.Api;
using Microsoft.EntityFrameworkCore;

namespace AuthPortal.Features.Users;

public sealed record UserRow(string Id, string Email, string DisplayName, bool EmailConfirmed, DateTimeOffset CreatedAt,
    DateTimeOffset? LastSignInAt, bool IsLockedOut, bool IsDisabled);

public enum UserSort { Email, DisplayName, CreatedAt, LastSignInAt }

/// <summary>Server-side paging, search and sorting over users, for the admin list and (later) the API.</summary>
public sealed class UserDirectory(IDbContextFactory<AppDbContext> dbFactory, TimeProvider time)
{
    public async Task<Paged<UserRow>> SearchAsync(string? search, int page, int pageSize, UserSort sort, bool descending, CancellationToken cancellationToken = default)
    {
        (page, pageSize) = Paged<UserRow>.Clamp(page, pageSize);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);

        // Service accounts have their own list (/admin/service-accounts), as in Keycloak.
        var query = db.Users.AsNoTracking().Where(u => !u.IsServiceAccount);
        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = search.Trim().ToUpperInvariant();
            query = query.Where(u => u.NormalizedEmail!.Contains(term) || u.NormalizedUserName!.Contains(term) || u.DisplayName.ToUpper().Contains(term));
        }
        var total = await query.CountAsync(cancellationToken);
        query = (sort, descending) switch
        {
            (UserSort.DisplayName, false) => query.OrderBy(u => u.DisplayName),
            (UserSort.DisplayName, true) => query.OrderByDescending(u => u.DisplayName),
            (UserSort.CreatedAt, false) => query.OrderBy(u => u.CreatedAt),
            (UserSort.CreatedAt, true) => query.OrderByDescending(u => u.CreatedAt),
            (UserSort.LastSignInAt, false) => query.OrderBy(u => u.LastSignInAt),
            (UserSort.LastSignInAt, true) => query.OrderByDescending(u => u.LastSignInAt),
            (_, true) => query.OrderByDescending(u => u.NormalizedEmail),
            _ => query.OrderBy(u => u.NormalizedEmail),
        };
        var now = time.GetUtcNow();
        var rows = await query.Skip((page - 1) * pageSize).Take(pageSize)
            .Select(u => new { u.Id, u.Email, u.DisplayName, u.EmailConfirmed, u.CreatedAt, u.LastSignInAt, u.LockoutEnd, u.DisabledAt })
            .ToListAsync(cancellationToken);
        var items = rows.Select(u => new UserRow(u.Id, u.Email ?? "", u.DisplayName, u.EmailConfirmed, u.CreatedAt, u.LastSignInAt,
            u.LockoutEnd is { } end && end > now, u.DisabledAt is not null)).ToList();
        return new Paged<UserRow>(items, page, pageSize, total);
    }
}
