using AuthPortal.Data;
using AuthPortal.Features.Audit;
using AuthPortal.Features.ApiKeys;
using AuthPortal.Features.AuditTrail;
using AuthPortal.Features.Sessions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace AuthPortal.Features.Dashboard;

/// <summary>One day of the sign-in chart.</summary>
public sealed record SignInDay(DateOnly Day, int Succeeded, int Failed);

public sealed record AdminFigures(int Users, int NewThisWeek, int ActiveSessions, int LockedAccounts, int WithoutTwoFactor, int ActiveApiKeys,
    int KeysExpiringSoon, IReadOnlyList<SignInDay> SignIns, IReadOnlyList<AuditItem> RecentEvents);

/// <summary>One row of the sign-in counts the database groups (day number since 0001-01-01, action, count).</summary>
public sealed record DailyCount(long Day, string Action, long Count);

public sealed record MyFigures(int Organizations, int ActiveSessions, int KeysExpiringSoon, DateTimeOffset? LastSignInAt, bool TwoFactorEnabled);

/// <summary>
/// The dashboard's numbers. Each is one indexed aggregate query; the administrators' set is cached for a minute, so a
/// busy dashboard costs the database one round of queries a minute, whatever the number of users and events.
/// </summary>
public sealed class DashboardFigures(IDbContextFactory<AppDbContext> dbFactory, AuditSearch audit, SessionStore sessions, IMemoryCache cache, TimeProvider time)
{
    public const int ChartDays = 30;

    /// <summary>"About to expire": keys that end within this many days.</summary>
    public const int SoonDays = 7;
    private static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(1);

    public async Task<AdminFigures> ForAdministratorsAsync(CancellationToken cancellationToken = default) =>
        (await cache.GetOrCreateAsync("dashboard:admin", async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = CacheFor;
            return await ComputeForAdministratorsAsync(cancellationToken);
        }))!;

    public async Task<MyFigures> ForUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var user = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => new { u.LastSignInAt, u.TwoFactorEnabled }).SingleAsync(cancellationToken);
        return new MyFigures(
            await db.OrgMembers.CountAsync(m => m.UserId == userId && db.Organizations.Any(o => o.Id == m.OrganizationId && o.DeletedAt == null), cancellationToken),
            await sessions.CountLiveAsync(db, userId, cancellationToken),
            await ApiKeyStore.ExpiringWithin(db.ApiKeys.Where(k => k.UserId == userId), now, SoonDays).CountAsync(cancellationToken),
            user.LastSignInAt, user.TwoFactorEnabled);
    }

    /// <summary>The administrators' figures straight from the database: what a render costs when the cache is cold (the benchmark measures this).</summary>
    public async Task<AdminFigures> ComputeForAdministratorsAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var firstDay = DateOnly.FromDateTime(now.UtcDateTime).AddDays(-(ChartDays - 1));
        var since = new DateTimeOffset(firstDay.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var people = db.Users.AsNoTracking().Where(u => !u.IsServiceAccount);
        // Counted by the database per day and action, through the (Action, OccurredAt) index: 30 rows come back, not
        // every sign-in. OccurredAt is stored as UTC ticks on every provider (AppDbContext's converter), so a day is a division.
        var sinceTicks = since.UtcTicks;
        var counts = await db.Database.SqlQuery<DailyCount>($"""
            SELECT "OccurredAt" / {TimeSpan.TicksPerDay} AS "Day", "Action", COUNT(*) AS "Count"
            FROM "AuditEvents"
            WHERE "Action" IN ({AuditActions.SignInSucceeded}, {AuditActions.SignInFailed}) AND "OccurredAt" >= {sinceTicks}
            GROUP BY 1, 2
            """).ToListAsync(cancellationToken);
        var byDay = counts.GroupBy(c => DateOnly.FromDateTime(new DateTime(c.Day * TimeSpan.TicksPerDay, DateTimeKind.Utc)))
            .ToDictionary(g => g.Key, g => (Succeeded: (int)g.Where(c => c.Action == AuditActions.SignInSucceeded).Sum(c => c.Count),
                Failed: (int)g.Where(c => c.Action == AuditActions.SignInFailed).Sum(c => c.Count)));
        var chart = Enumerable.Range(0, ChartDays).Select(i => firstDay.AddDays(i))
            .Select(day => byDay.TryGetValue(day, out var c) ? new SignInDay(day, c.Succeeded, c.Failed) : new SignInDay(day, 0, 0)).ToList();
        return new AdminFigures(
            await people.CountAsync(cancellationToken),
            await people.CountAsync(u => u.CreatedAt >= now.AddDays(-7), cancellationToken),
            await sessions.CountLiveAsync(db, cancellationToken: cancellationToken),
            await people.CountAsync(u => u.LockoutEnd != null && u.LockoutEnd > now, cancellationToken),
            await people.CountAsync(u => !u.TwoFactorEnabled, cancellationToken),
            await ApiKeyStore.Live(db.ApiKeys, now).CountAsync(cancellationToken),
            await ApiKeyStore.ExpiringWithin(db.ApiKeys, now, SoonDays).CountAsync(cancellationToken),
            chart,
            (await audit.SearchAsync(new AuditFilter(), 1, 10, cancellationToken)).Items);
    }
}
