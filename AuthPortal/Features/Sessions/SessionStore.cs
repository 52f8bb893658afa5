using AuthPortal.Data;
using AuthPortal.Features.Audit;
using AuthPortal.Infrastructure.Api;
using AuthPortal.Infrastructure.Database;
using AuthPortal.Infrastructure.Options;
using AuthPortal.Infrastructure.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace AuthPortal.Features.Sessions;

/// <summary>
/// Server-side sessions (DESIGN.md "Authentication"): start on sign-in, validate on every request
/// and circuit check, revoke one, the others or all. Valid sessions are cached briefly so validation
/// costs no database round trip per request; a revocation drops the cache entry on this instance at
/// once and tells live circuits (<see cref="SessionRevocationBus"/>); other instances notice within
/// Sessions:RevalidationSeconds, the cache lifetime. The cache runs on the app's <see cref="TimeProvider"/>.
/// </summary>
public sealed class SessionStore(
    IDbContextFactory<AppDbContext> dbFactory,
    IMemoryCache cache,
    TimeProvider time,
    IOptions<SessionPolicyOptions> options,
    SessionRevocationBus bus,
    AuditLog audit,
    ClusterNotices notices) : IClusterNoticeHandler
{
    /// <summary>The notice other instances get when sessions end here (their live pages leave, their caches drop them).</summary>
    public const string EndedTopic = "sessions.ended";

    string IClusterNoticeHandler.Topic => EndedTopic;

    void IClusterNoticeHandler.OnNotice(IReadOnlyList<string> sessionIds) => EndedHere(sessionIds);

    /// <summary>LastSeenAt is written at most this often, so browsing does not mean a write per request.</summary>
    public static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    /// <summary>The administrators' list counts at most this many matches, so a keystroke never counts every session.</summary>
    public const int CountLimit = 10_000;

    private sealed record CachedSession(string UserId, DateTimeOffset ExpiresAt, DateTimeOffset LastSeenAt);

    private TimeSpan IdleTimeout => TimeSpan.FromMinutes(options.Value.IdleTimeoutMinutes);
    private TimeSpan CacheLifetime => TimeSpan.FromSeconds(options.Value.RevalidationSeconds);

    /// <summary>
    /// Adds a new session and its <c>session.created</c> event to <paramref name="db"/>; the caller's SaveChanges
    /// writes them, together with whatever else the sign-in writes (a token grant's refresh token, for example).
    /// </summary>
    /// <remarks><paramref name="lifetime"/> shortens the session (an API key's token exchange lives as long as its token).</remarks>
    public UserSession Start(AppDbContext db, string userId, SessionKind kind, string? ipAddress, string? userAgent, TimeSpan? lifetime = null)
    {
        var now = time.GetUtcNow();
        var session = new UserSession
        {
            // 128 random bits: the id is a bearer secret inside the (encrypted) cookie.
            Id = Secrets.NewId(),
            UserId = userId,
            Kind = kind,
            CreatedAt = now,
            LastSeenAt = now,
            ExpiresAt = lifetime is { } shorter ? now + shorter : now.AddHours(options.Value.AbsoluteTimeoutHours),
            IpAddress = ipAddress,
            UserAgent = userAgent is { Length: > 512 } ? userAgent[..512] : userAgent,
        };
        db.UserSessions.Add(session);
        audit.Append(db, new AuditRecord(AuditActions.SessionCreated)
        {
            ActorUserId = userId, TargetType = AuditTargets.Session, TargetId = session.Id, IpAddress = ipAddress, UserAgent = session.UserAgent,
            Details = new { kind = kind.ToString() },
        });
        return session;
    }

    /// <summary>Starts a session on its own (a browser sign-in; its other writes are Identity's).</summary>
    public async Task<UserSession> StartAsync(string userId, SessionKind kind, string? ipAddress, string? userAgent, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var session = Start(db, userId, kind, ipAddress, userAgent);
        await db.SaveChangesAsync(cancellationToken);
        return session;
    }

    /// <summary>
    /// The checks of <see cref="ValidateAsync"/> on a row the caller has just read from the database (the refresh grant
    /// reads its session with the token): true when it may be used now. False sends the caller to
    /// <see cref="ValidateAsync"/>, which also ends and records a session that is overdue.
    /// </summary>
    public bool IsUsable(UserSession session, string userId, DateTimeOffset now) =>
        session.UserId == userId && session.RevokedAt is null && !IsOverdue(session, now) && !cache.TryGetValue(RevokedKey(session.Id), out _);

    /// <summary>Whether a use at <paramref name="now"/> should move the session's "last seen" (at most once a <see cref="TouchInterval"/>).</summary>
    public static bool IsTouchDue(UserSession session, DateTimeOffset now) => now - session.LastSeenAt >= TouchInterval;

    // Past its absolute lifetime, or unused for longer than the idle timeout.
    private bool IsOverdue(UserSession session, DateTimeOffset now) => now >= session.ExpiresAt || now - session.LastSeenAt >= IdleTimeout;

    /// <summary>
    /// True when the session exists, belongs to <paramref name="userId"/>, is not revoked and has not hit
    /// its idle or absolute timeout. An expired session is marked and audited the first time it is seen.
    /// </summary>
    public async Task<bool> ValidateAsync(string? sessionId, string? userId, bool bypassCache = false, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(sessionId) || string.IsNullOrEmpty(userId))
        {
            return false;
        }
        var now = time.GetUtcNow();
        if (cache.TryGetValue(RevokedKey(sessionId), out _))
        {
            return false;
        }
        if (!bypassCache && cache.TryGetValue(CacheKey(sessionId), out CachedSession? cached) && cached is not null)
        {
            if (cached.UserId == userId && now < cached.ExpiresAt && now - cached.LastSeenAt < IdleTimeout && now - cached.LastSeenAt < TouchInterval)
            {
                return true;
            }
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var session = await db.UserSessions.FirstOrDefaultAsync(s => s.Id == sessionId, cancellationToken);
        if (session is null || session.UserId != userId || session.RevokedAt is not null)
        {
            cache.Remove(CacheKey(sessionId));
            return false;
        }
        if (IsOverdue(session, now))
        {
            var reason = now >= session.ExpiresAt ? RevocationReasons.AbsoluteTimeout : RevocationReasons.IdleTimeout;
            await EndAsync(db, [session], Revocation.System(reason), AuditActions.SessionExpired, cancellationToken);
            return false;
        }
        if (IsTouchDue(session, now))
        {
            session.LastSeenAt = now;
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException ex) when (StorageFull.Is(ex))
            {
                // "Last seen" is a note, not a permission: with the disk full the session still works, and the note is
                // written on a later request once there is room (the idle timeout counts from the last one written).
            }
        }
        // A revocation that landed while this request read the row must not be undone by caching it as valid.
        if (cache.TryGetValue(RevokedKey(sessionId), out _))
        {
            return false;
        }
        cache.Set(CacheKey(sessionId), new CachedSession(session.UserId, session.ExpiresAt, session.LastSeenAt), CacheLifetime);
        return true;
    }

    /// <summary>The user's live sessions, most recently used first; null when no such user exists.</summary>
    public async Task<IReadOnlyList<SessionView>?> ListAsync(string userId, string? currentSessionId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!await db.Users.AnyAsync(u => u.Id == userId, cancellationToken))
        {
            return null;
        }
        var sessions = await Live(db.UserSessions.AsNoTracking())
            .Where(s => s.UserId == userId)
            .OrderByDescending(s => s.LastSeenAt)
            .ToListAsync(cancellationToken);
        return sessions.Select(s => new SessionView(s.Id, s.Kind, s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.IpAddress,
            UserAgentDescription.Describe(s.UserAgent), s.Id == currentSessionId)).ToList();
    }

    /// <summary>
    /// Every live session of every account, most recently used first, for the administrators' list: a search matches
    /// the email (any part, any case) or the start of the IP address. The count stops at <see cref="CountLimit"/>.
    /// </summary>
    public async Task<Paged<LiveSessionRow>> SearchLiveAsync(string? search, int page, int pageSize, CancellationToken cancellationToken = default)
    {
        (page, pageSize) = Paged<LiveSessionRow>.Clamp(page, pageSize);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = Live(db.UserSessions.AsNoTracking());
        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = search.Trim();
            var upper = term.ToUpperInvariant();
            query = query.Where(s => s.User!.NormalizedEmail!.Contains(upper) || (s.IpAddress != null && s.IpAddress.StartsWith(term)));
        }
        var total = await query.Take(CountLimit + 1).CountAsync(cancellationToken);
        var rows = await query.OrderByDescending(s => s.LastSeenAt).Skip((page - 1) * pageSize).Take(pageSize)
            .Select(s => new { s.Id, s.UserId, s.User!.Email, s.User.DisplayName, s.User.IsServiceAccount, s.Kind, s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.IpAddress, s.UserAgent })
            .ToListAsync(cancellationToken);
        return new Paged<LiveSessionRow>(rows.Select(s => new LiveSessionRow(s.Id, s.UserId, s.Email ?? "", s.DisplayName, s.IsServiceAccount, s.Kind,
            s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.IpAddress, UserAgentDescription.Describe(s.UserAgent))).ToList(), page, pageSize, total);
    }

    /// <summary>How many sessions are live now: the same test as the lists, so the dashboard and the lists agree.</summary>
    public Task<int> CountLiveAsync(AppDbContext db, string? userId = null, CancellationToken cancellationToken = default)
    {
        var query = Live(db.UserSessions.AsNoTracking());
        return (userId is null ? query : query.Where(s => s.UserId == userId)).CountAsync(cancellationToken);
    }

    /// <summary>Live: not revoked, before the absolute end, and used within the idle timeout.</summary>
    private IQueryable<UserSession> Live(IQueryable<UserSession> sessions)
    {
        var now = time.GetUtcNow();
        var idleCutoff = now - IdleTimeout;
        return sessions.Where(s => s.RevokedAt == null && s.ExpiresAt > now && s.LastSeenAt > idleCutoff);
    }

    /// <summary>
    /// Ends, with a <c>session.expired</c> event each, the sessions that ran past their absolute or idle timeout but were
    /// never presented again (a closed browser, a script that stopped). Works in batches; returns how many it ended.
    /// </summary>
    public async Task<int> ExpireDueAsync(CancellationToken cancellationToken = default)
    {
        const int batchSize = 500;
        var ended = 0;
        foreach (var reason in new[] { RevocationReasons.AbsoluteTimeout, RevocationReasons.IdleTimeout })
        {
            while (true)
            {
                var now = time.GetUtcNow();
                var idleCutoff = now - IdleTimeout;
                await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
                var due = db.UserSessions.Where(s => s.RevokedAt == null);
                due = reason == RevocationReasons.AbsoluteTimeout
                    ? due.Where(s => s.ExpiresAt <= now)
                    : due.Where(s => s.ExpiresAt > now && s.LastSeenAt <= idleCutoff);
                var batch = await due.OrderBy(s => s.Id).Take(batchSize).ToListAsync(cancellationToken);
                await EndAsync(db, batch, Revocation.System(reason), AuditActions.SessionExpired, cancellationToken);
                ended += batch.Count;
                if (batch.Count < batchSize)
                {
                    break;
                }
            }
        }
        return ended;
    }

    /// <summary>Revokes one of <paramref name="userId"/>'s sessions; false when it is not theirs or already ended (→ 404).</summary>
    public Task<bool> RevokeAsync(string userId, string sessionId, Revocation revocation, CancellationToken cancellationToken = default) =>
        RevokeAsync(userId, sessionId, revocation, cause: null, cancellationToken);

    /// <summary>
    /// Revokes the session and records <paramref name="cause"/> (what made it end, such as a reused refresh token) in the
    /// same transaction; nothing is recorded when the session had already ended.
    /// </summary>
    public async Task<bool> RevokeAsync(string userId, string sessionId, Revocation revocation, AuditRecord? cause, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var session = await db.UserSessions.FirstOrDefaultAsync(s => s.Id == sessionId && s.UserId == userId && s.RevokedAt == null, cancellationToken);
        if (session is null)
        {
            return false;
        }
        if (cause is not null)
        {
            audit.Append(db, cause);
        }
        await EndAsync(db, [session], revocation, AuditActions.SessionRevoked, cancellationToken);
        return true;
    }

    /// <summary>Revokes every live session of the user except <paramref name="keepSessionId"/>; returns how many.</summary>
    public async Task<int> RevokeAllAsync(string userId, Revocation revocation, string? keepSessionId = null, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // Sessions already past a timeout are left to ExpireDueAsync: they expired, nobody revoked them.
        var sessions = await Live(db.UserSessions)
            .Where(s => s.UserId == userId && s.Id != keepSessionId)
            .ToListAsync(cancellationToken);
        await EndAsync(db, sessions, revocation, AuditActions.SessionRevoked, cancellationToken);
        return sessions.Count;
    }

    /// <summary>Deletes sessions that ended more than <paramref name="age"/> ago; returns how many.</summary>
    public async Task<int> DeleteEndedAsync(TimeSpan age, CancellationToken cancellationToken = default)
    {
        var cutoff = time.GetUtcNow() - age;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.UserSessions
            .Where(s => (s.RevokedAt != null && s.RevokedAt < cutoff) || s.ExpiresAt < cutoff)
            .ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>For sessions whose rows vanished with their user: stop honouring them here and tell live circuits.</summary>
    public void ForgetDeleted(IReadOnlyCollection<string> sessionIds) => Ended(sessionIds);

    // This instance's caches and live circuits drop the sessions, and the other instances are told to do the same.
    private void Ended(IReadOnlyCollection<string> sessionIds)
    {
        EndedHere(sessionIds);
        notices.Send(EndedTopic, sessionIds);
    }

    private void EndedHere(IReadOnlyCollection<string> sessionIds)
    {
        foreach (var id in sessionIds)
        {
            MarkEnded(id);
        }
        bus.Publish(sessionIds);
    }

    // The rows and their audit events commit together; only then do caches and live circuits hear of it. Each row is
    // ended with a conditional update: a presented expired session, the hourly sweep (on every instance) and a
    // revocation may race for one session, and only the one that ends it records it.
    private async Task EndAsync(AppDbContext db, IReadOnlyList<UserSession> sessions, Revocation revocation, string action, CancellationToken cancellationToken)
    {
        if (sessions.Count == 0)
        {
            return;
        }
        var now = time.GetUtcNow();
        await using var transaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
        var ended = new List<string>();
        foreach (var session in sessions)
        {
            MarkEnded(session.Id);
            var id = session.Id;
            var changed = await db.UserSessions.Where(s => s.Id == id && s.RevokedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.RevokedAt, now).SetProperty(x => x.RevokedReason, revocation.Reason), cancellationToken);
            if (changed == 0)
            {
                continue;
            }
            ended.Add(id);
            audit.Append(db, new AuditRecord(action)
            {
                ActorUserId = revocation.ActorUserId, ActorKind = revocation.ActorKind, TargetType = AuditTargets.Session, TargetId = session.Id,
                Details = new { userId = session.UserId, reason = revocation.Reason },
            });
            if (revocation.Reason == RevocationReasons.SignedOut)
            {
                // A sign-out (browser or API) is the person's own action, recorded with the session it ended.
                audit.Append(db, new AuditRecord(AuditActions.SignedOut)
                {
                    ActorUserId = session.UserId, TargetType = AuditTargets.User, TargetId = session.UserId, Details = new { sessionId = session.Id },
                });
            }
        }
        await db.SaveChangesAsync(cancellationToken);
        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken);
        }
        // Every one of them is over, whoever recorded it: this instance's pages and the others' caches drop them all.
        Ended(sessions.Select(s => s.Id).ToList());
    }

    private void MarkEnded(string sessionId)
    {
        cache.Set(RevokedKey(sessionId), true, CacheLifetime + CacheLifetime);
        cache.Remove(CacheKey(sessionId));
    }

    private static string CacheKey(string sessionId) => $"session:{sessionId}";
    private static string RevokedKey(string sessionId) => $"session-ended:{sessionId}";
}
