using System.Collections.Concurrent;
using AuthPortal.Data;
using AuthPortal.Features.Audit;
using AuthPortal.Features.Roles;
using AuthPortal.Features.Sessions;
using AuthPortal.Features.SignIn;
using AuthPortal.Features.Tokens;
using AuthPortal.Infrastructure.Api;
using AuthPortal.Infrastructure.Database;
using AuthPortal.Infrastructure.Email;
using AuthPortal.Infrastructure.Options;
using AuthPortal.Infrastructure.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace AuthPortal.Features.ApiKeys;

public sealed record ApiKeyView(string Id, string Name, string Prefix, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt, string? LastUsedIp, long RequestsLast30Days);

/// <summary>A live key of any account, as the administrators' list shows it (never the secret or its hash).</summary>
public sealed record AdminApiKeyRow(string Id, string OwnerId, string Owner, bool OwnerIsServiceAccount, string Name, string Prefix, string Scopes,
    DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt, string? LastUsedIp);

/// <summary>The one answer that carries the key itself.</summary>
public sealed record CreatedApiKey(string Id, string Name, string Key, string Prefix, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt);

public sealed record ApiKeyRequest(string Name, IReadOnlyList<string> Scopes, int? ExpiresInDays, DateTimeOffset? ExpiresAt);

/// <summary>Who a presented key acts as (a person or a service account), and within which scope.</summary>
public sealed record ApiKeyIdentity(string KeyId, string UserId, TokenScope Scope, bool IsServiceAccount)
{
    public ActorKind ActorKind => IsServiceAccount ? ActorKind.ServiceAccount : ActorKind.ApiKey;

    /// <summary>The claims of a request made with this key, or with a token exchanged for it.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Claims =>
    [
        new(SessionClaims.Subject, UserId),
        new(SessionClaims.Scope, Scope.ToString()),
        new(SessionClaims.ApiKeyId, KeyId),
        .. IsServiceAccount ? [ActorKindClaim.ServiceAccount] : Array.Empty<KeyValuePair<string, string>>(),
    ];
}

/// <summary>
/// Personal API keys: created (shown once), listed, renamed, revoked, and checked on every /api request. A checked key
/// is cached by its hash for Sessions:RevalidationSeconds, so a request costs no look-up; revoking a key, or changing
/// its owner, evicts it at once on this instance.
/// </summary>
public sealed class ApiKeyStore(
    IDbContextFactory<AppDbContext> dbFactory,
    IMemoryCache cache,
    UserPermissions permissions,
    AuditLog audit,
    IMailSender mail,
    TimeProvider time,
    IOptions<ApiKeyOptions> options,
    IOptions<SessionPolicyOptions> sessions,
    ClusterNotices notices) : IClusterNoticeHandler
{
    private sealed record CachedKey(string KeyId, string UserId, string Scopes, DateTimeOffset? ExpiresAt, bool IsServiceAccount);

    // Which cached hashes belong to which owner, so a change to the owner evicts all of them.
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _hashesByOwner = new();

    public async Task<IReadOnlyList<ApiKeyView>> ListAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var keys = await db.ApiKeys.AsNoTracking().Where(k => k.UserId == userId && k.RevokedAt == null)
            .OrderByDescending(k => k.CreatedAt).ToListAsync(cancellationToken);
        var since = ApiKeyUsage.DayOf(time.GetUtcNow().AddDays(-30));
        var ids = keys.Select(k => k.Id).ToList();
        var requests = await db.ApiKeyDailyUses.AsNoTracking().Where(u => ids.Contains(u.ApiKeyId) && u.Day >= since)
            .GroupBy(u => u.ApiKeyId).Select(g => new { g.Key, Requests = g.Sum(u => u.Requests) }).ToDictionaryAsync(g => g.Key, g => g.Requests, cancellationToken);
        return keys.Select(k => ToView(k, requests.GetValueOrDefault(k.Id))).ToList();
    }

    /// <summary>Keys in use: neither revoked nor expired. The lists, the quota and the dashboard's counts read the same.</summary>
    public static IQueryable<ApiKey> Live(IQueryable<ApiKey> keys, DateTimeOffset now) =>
        keys.Where(k => k.RevokedAt == null && (k.ExpiresAt == null || k.ExpiresAt > now));

    /// <summary>Live keys that end within <paramref name="days"/>.</summary>
    public static IQueryable<ApiKey> ExpiringWithin(IQueryable<ApiKey> keys, DateTimeOffset now, int days)
    {
        var until = now.AddDays(days);
        return Live(keys, now).Where(k => k.ExpiresAt != null && k.ExpiresAt <= until);
    }

    /// <summary>The administrators' list counts at most this many matches.</summary>
    public const int CountLimit = 10_000;

    /// <summary>
    /// Every live key of every account (people's and service accounts'), soonest to expire first, for the administrators'
    /// list: <paramref name="search"/> matches the owner's email, the key's name or its prefix; <paramref name="expiringWithinDays"/>
    /// keeps the keys that end within that many days. No secret or hash leaves this method.
    /// </summary>
    public async Task<Paged<AdminApiKeyRow>> SearchLiveAsync(string? search, int? expiringWithinDays, int page, int pageSize, CancellationToken cancellationToken = default)
    {
        (page, pageSize) = Paged<AdminApiKeyRow>.Clamp(page, pageSize);
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var keys = db.ApiKeys.AsNoTracking();
        var query = expiringWithinDays is { } days ? ExpiringWithin(keys, now, days) : Live(keys, now);
        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = search.Trim();
            var upper = term.ToUpperInvariant();
            query = query.Where(k => k.User!.NormalizedEmail!.Contains(upper) || k.User.DisplayName.Contains(term) || k.Name.Contains(term) || k.Prefix.StartsWith(term));
        }
        var total = await query.Take(CountLimit + 1).CountAsync(cancellationToken);
        // Keys that never expire sort last.
        var rows = await query.OrderBy(k => k.ExpiresAt == null).ThenBy(k => k.ExpiresAt).ThenByDescending(k => k.CreatedAt)
            .Skip((page - 1) * pageSize).Take(pageSize)
            .Select(k => new AdminApiKeyRow(k.Id, k.UserId, k.User!.Email ?? k.User.DisplayName, k.User.IsServiceAccount, k.Name, k.Prefix, k.Scopes,
                k.CreatedAt, k.ExpiresAt, k.LastUsedAt, k.LastUsedIp))
            .ToListAsync(cancellationToken);
        return new Paged<AdminApiKeyRow>(rows, page, pageSize, total);
    }

    /// <summary>
    /// Creates a key for <paramref name="userId"/>, by them or (for a service account) by <paramref name="actorUserId"/>; the
    /// errors name the request field that was wrong, and a full quota is a conflict. <paramref name="callerScope"/> is the
    /// scope of the token the owner called with (null for a cookie): a key never holds more than the token that made it.
    /// </summary>
    public async Task<(CreatedApiKey? Key, IReadOnlyList<(string Field, string Message)> Errors, bool QuotaReached)> CreateAsync(
        string userId, ApiKeyRequest request, string? actorUserId = null, string? callerScope = null, CancellationToken cancellationToken = default)
    {
        var errors = new List<(string, string)>();
        var name = (request.Name ?? "").Trim();
        if (NameProblem(name) is { } nameProblem)
        {
            errors.Add(("name", nameProblem));
        }
        var scope = TokenScope.Parse(string.Join(' ', request.Scopes ?? []));
        var held = await permissions.GetWithinScopeAsync(userId, callerScope, cancellationToken);
        var tokenNames = callerScope is null ? null : TokenScope.Parse(callerScope).Names;
        // Organization permissions may be named: they narrow what the owner's roles grant in each organization (within the token's scope, if any).
        if (scope.Unknown.Count > 0 || scope.Names.Any(n => Permissions.IsOrganizationPermission(n) ? tokenNames?.Contains(n) == false : !held.Contains(n)))
        {
            var holder = callerScope is null ? "you hold" : "this token carries";
            var grantable = held.Concat(tokenNames?.Where(Permissions.IsOrganizationPermission) ?? []).Order(StringComparer.Ordinal).ToList();
            errors.Add(("scopes", $"Choose among the permissions {holder}: " + (grantable.Count == 0 ? "there are none." : string.Join(", ", grantable) + ".")));
        }
        var now = time.GetUtcNow();
        var expiresAt = ExpiryOf(request, now, errors);
        if (errors.Count > 0)
        {
            return (null, errors, false);
        }

        var key = ApiKeyFormat.New();
        var row = new ApiKey
        {
            Id = Secrets.NewId(), UserId = userId, Name = name, Prefix = ApiKeyFormat.Prefix(key), SecretHash = ApiKeyFormat.Hash(key),
            Scopes = scope.ToString(), CreatedAt = now, ExpiresAt = expiresAt,
        };
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (await Live(db.ApiKeys.Where(k => k.UserId == userId), now).CountAsync(cancellationToken) >= options.Value.MaxPerUser)
        {
            return (null, [], true);
        }
        db.ApiKeys.Add(row);
        audit.Append(db, new AuditRecord(AuditActions.ApiKeyCreated)
        {
            ActorUserId = actorUserId ?? userId, TargetType = AuditTargets.ApiKey, TargetId = row.Id,
            Details = new { ownerId = userId, name, prefix = row.Prefix, scopes = row.Scopes, expiresAt },
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        // The owner hears of every new key: one they did not make means someone else is in their account.
        if (await db.Users.Where(u => u.Id == userId).Select(u => u.Email).SingleOrDefaultAsync(cancellationToken) is { } email)
        {
            await mail.SendAsync(AccountEmails.Notice(email, "A new API key was created",
                $"An API key named \"{name}\" ({row.Prefix}…) was created for your AuthPortal account" +
                (expiresAt is { } end ? $"; it expires on {end:yyyy-MM-dd}." : "; it does not expire.")), cancellationToken);
        }
        return (new CreatedApiKey(row.Id, row.Name, key, row.Prefix, scope.Names, row.CreatedAt, row.ExpiresAt), [], false);
    }

    /// <summary>What is wrong with a key name, or null when it is fine: one rule for creating and renaming.</summary>
    public static string? NameProblem(string? name) =>
        (name ?? "").Trim().Length is 0 or > 100 ? "Name the key (at most 100 characters), so you recognise it later." : null;

    public async Task<ApiKeyView?> RenameAsync(string userId, string keyId, string name, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == keyId && k.UserId == userId && k.RevokedAt == null, cancellationToken);
        if (key is null)
        {
            return null;
        }
        key.Name = name.Trim();
        audit.Append(db, new AuditRecord(AuditActions.ApiKeyRenamed) { ActorUserId = userId, TargetType = AuditTargets.ApiKey, TargetId = key.Id, Details = new { name = key.Name } });
        await db.SaveChangesAsync(cancellationToken);
        return ToView(key, 0);
    }

    /// <summary>Revokes one of <paramref name="ownerId"/>'s keys; false when there is no such live key (→ 404).</summary>
    public async Task<bool> RevokeAsync(string ownerId, string keyId, string actorUserId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == keyId && k.UserId == ownerId && k.RevokedAt == null, cancellationToken);
        if (key is null)
        {
            return false;
        }
        key.RevokedAt = time.GetUtcNow();
        audit.Append(db, new AuditRecord(AuditActions.ApiKeyRevoked)
        {
            ActorUserId = actorUserId, TargetType = AuditTargets.ApiKey, TargetId = key.Id, Details = new { ownerId, prefix = key.Prefix },
        });
        await db.SaveChangesAsync(cancellationToken);
        cache.Remove(CacheKey(key.SecretHash));
        notices.Send(ForgetOwnersTopic, [ownerId]);
        return true;
    }

    /// <summary>How many owners have keys in the cache right now (the tracking follows the cache, it does not outlive it).</summary>
    internal int OwnersWithCachedKeys => _hashesByOwner.Count;

    // Tracked before it is cached, so a ForgetOwner in between still evicts it. The entry's eviction (expired, removed)
    // untracks it: without that, every key ever used would stay in _hashesByOwner for the life of the process.
    private void Remember(string hash, CachedKey key)
    {
        Track(key.UserId, hash);
        var entry = new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(sessions.Value.RevalidationSeconds) };
        entry.RegisterPostEvictionCallback(static (_, value, reason, state) =>
        {
            // Replaced: the same hash was cached again and is still tracked by the new entry.
            if (reason != EvictionReason.Replaced && value is CachedKey evicted && state is (ApiKeyStore store, string evictedHash))
            {
                store.Untrack(evicted.UserId, evictedHash);
            }
        }, (this, hash));
        cache.Set(CacheKey(hash), key, entry);
    }

    private void Track(string userId, string hash)
    {
        while (true)
        {
            var hashes = _hashesByOwner.GetOrAdd(userId, _ => new());
            hashes.TryAdd(hash, 0);
            // An Untrack may have dropped this owner's set as empty just before the add: then add to the new one.
            if (_hashesByOwner.TryGetValue(userId, out var current) && ReferenceEquals(current, hashes))
            {
                return;
            }
        }
    }

    private void Untrack(string userId, string hash)
    {
        if (!_hashesByOwner.TryGetValue(userId, out var hashes))
        {
            return;
        }
        if (cache.TryGetValue(CacheKey(hash), out _))
        {
            return; // cached again since (this callback runs late, on the thread pool): still tracked by the new entry
        }
        hashes.TryRemove(hash, out _);
        if (hashes.IsEmpty && _hashesByOwner.TryRemove(KeyValuePair.Create(userId, hashes)) && !hashes.IsEmpty)
        {
            // A Track added to the set between the emptiness check and the removal: keep what it added tracked.
            foreach (var added in hashes.Keys)
            {
                Track(userId, added);
            }
        }
    }

    /// <summary>The owner changed (roles, disabled, locked, deleted): their cached keys are checked afresh.</summary>
    public void ForgetOwner(string userId)
    {
        ForgetOwnerHere(userId);
        notices.Send(ForgetOwnersTopic, [userId]);
    }

    /// <summary>The notice other instances get when an account's keys must be looked up again (revoked, owner disabled, …).</summary>
    public const string ForgetOwnersTopic = "apikeys.forget_owners";

    string IClusterNoticeHandler.Topic => ForgetOwnersTopic;

    void IClusterNoticeHandler.OnNotice(IReadOnlyList<string> ownerIds)
    {
        foreach (var owner in ownerIds)
        {
            ForgetOwnerHere(owner);
        }
    }

    private void ForgetOwnerHere(string userId)
    {
        if (_hashesByOwner.TryRemove(userId, out var hashes))
        {
            foreach (var hash in hashes.Keys)
            {
                cache.Remove(CacheKey(hash));
            }
        }
    }

    /// <summary>Who <paramref name="key"/> acts as, or null: unknown, revoked, expired, or an owner who may not sign in.</summary>
    public async Task<ApiKeyIdentity?> AuthenticateAsync(string key, CancellationToken cancellationToken = default)
    {
        if (!ApiKeyFormat.IsWellFormed(key))
        {
            return null; // a typo or a fake: refused without a look-up
        }
        var hash = ApiKeyFormat.Hash(key);
        var now = time.GetUtcNow();
        if (!cache.TryGetValue(CacheKey(hash), out CachedKey? cached) || cached is null)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var row = await db.ApiKeys.AsNoTracking().Include(k => k.User).FirstOrDefaultAsync(k => k.SecretHash == hash, cancellationToken);
            if (row?.User is null)
            {
                return null;
            }
            if (row.RevokedAt is not null || (row.ExpiresAt is { } end && end <= now))
            {
                await audit.RecordAsync(new AuditRecord(row.RevokedAt is not null ? AuditActions.ApiKeyRevokedUsed : AuditActions.ApiKeyExpiredUsed, Succeeded: false)
                {
                    ActorKind = ActorKind.ApiKey, ActorUserId = row.UserId, TargetType = AuditTargets.ApiKey, TargetId = row.Id,
                }, cancellationToken);
                return null;
            }
            // An administrator's lock stops the keys; a lockout from someone guessing the password does not, or anyone
            // could switch a person's scripts off by typing wrong passwords at the login form.
            if (row.User.DisabledAt is not null || LockoutRules.IsHeldByAdministrator(row.User, now))
            {
                return null;
            }
            cached = new CachedKey(row.Id, row.UserId, row.Scopes, row.ExpiresAt, row.User.IsServiceAccount);
            Remember(hash, cached);
        }
        // An expiry inside the cache window still stops the key on time.
        return cached.ExpiresAt is { } expires && expires <= now ? null : new ApiKeyIdentity(cached.KeyId, cached.UserId, TokenScope.Parse(cached.Scopes), cached.IsServiceAccount);
    }

    private DateTimeOffset? ExpiryOf(ApiKeyRequest request, DateTimeOffset now, List<(string, string)> errors)
    {
        var max = TimeSpan.FromDays(options.Value.MaxLifetimeDays);
        if (request.ExpiresInDays is not null && request.ExpiresAt is not null)
        {
            errors.Add(("expiresAt", "Send expiresInDays or expiresAt, not both."));
            return null;
        }
        if (request.ExpiresInDays is { } days)
        {
            // Compared as numbers: a huge value would overflow TimeSpan or the date before it could be refused.
            if (days < 1 || days > options.Value.MaxLifetimeDays)
            {
                errors.Add(("expiresInDays", $"Between 1 and {options.Value.MaxLifetimeDays} days."));
                return null;
            }
            return now.AddDays(days);
        }
        if (request.ExpiresAt is { } at)
        {
            if (at <= now || at - now > max)
            {
                errors.Add(("expiresAt", $"A moment in the next {options.Value.MaxLifetimeDays} days."));
            }
            return at;
        }
        if (!options.Value.AllowNoExpiry)
        {
            errors.Add(("expiresInDays", "Keys expire on this portal: choose expiresInDays or expiresAt."));
        }
        return null;
    }

    private static ApiKeyView ToView(ApiKey key, long requestsLast30Days) =>
        new(key.Id, key.Name, key.Prefix, TokenScope.Parse(key.Scopes).Names, key.CreatedAt, key.ExpiresAt, key.LastUsedAt, key.LastUsedIp, requestsLast30Days);

    private static string CacheKey(string hash) => $"apikey:{hash}";
}
