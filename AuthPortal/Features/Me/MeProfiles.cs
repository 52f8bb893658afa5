using AuthPortal.Data;
using AuthPortal.Features.Roles;
using AuthPortal.Infrastructure.Options;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace AuthPortal.Features.Me;

/// <summary>The account fields and role names <c>GET /api/me</c> shows.</summary>
public sealed record MeProfile(string Id, string Email, string UserName, string DisplayName, string TimeZone, bool EmailConfirmed,
    bool TwoFactorEnabled, IReadOnlyList<string> Roles);

/// <summary>
/// The profile part of <c>GET /api/me</c>, read in one query and kept for <c>Sessions:RevalidationSeconds</c>, the same
/// bound the session and permission caches keep. Role changes (announced after commit by <see cref="PermissionChanges"/>)
/// and the caller's own <c>PATCH /api/me</c> drop it at once; other changes to the account show within that time.
/// </summary>
public sealed class MeProfiles
{
    private readonly IDbContextFactory<AppDbContext> _dbFactory;
    private readonly IMemoryCache _cache;
    private readonly IOptions<SessionPolicyOptions> _sessions;
    private long _generation;

    public MeProfiles(IDbContextFactory<AppDbContext> dbFactory, IMemoryCache cache, IOptions<SessionPolicyOptions> sessions, PermissionChanges changes)
    {
        _dbFactory = dbFactory;
        _cache = cache;
        _sessions = sessions;
        changes.Changed += _ => Interlocked.Increment(ref _generation);
    }

    public async Task<MeProfile?> GetAsync(string userId, CancellationToken cancellationToken = default)
    {
        var generation = Interlocked.Read(ref _generation);
        var key = Key(userId);
        if (_cache.TryGetValue(key, out (long Generation, MeProfile Profile) known) && known.Generation == generation)
        {
            return known.Profile;
        }
        await using var db = await _dbFactory.CreateDbContextAsync(cancellationToken);
        var profile = await db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new MeProfile(u.Id, u.Email ?? "", u.UserName ?? "", u.DisplayName, u.TimeZone, u.EmailConfirmed, u.TwoFactorEnabled,
                db.UserRoles.Where(ur => ur.UserId == u.Id).Join(db.Roles, ur => ur.RoleId, r => r.Id, (_, r) => r.Name!).OrderBy(n => n).ToList()))
            .SingleOrDefaultAsync(cancellationToken);
        // A role change that landed while this read ran bumped the generation: the entry is then ignored.
        if (profile is not null)
        {
            _cache.Set(key, (generation, profile), TimeSpan.FromSeconds(_sessions.Value.RevalidationSeconds));
        }
        return profile;
    }

    public void Forget(string userId) => _cache.Remove(Key(userId));

    private static string Key(string userId) => $"me-profile:{userId}";
}
