using AuthPortal.Data;
using AuthPortal.Infrastructure.Options;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AuthPortal.Features.Roles;

/// <summary>A system role as the graph knows it: its own grants (permissions or area wildcards) and the roles it includes.</summary>
public sealed record RoleNode(string Id, string Name, string Description, bool IsBuiltIn, IReadOnlyList<string> Grants, IReadOnlyList<string> IncludedRoleIds);

/// <summary>
/// Why a permission is held: through <see cref="Path"/> (the held role first, then each included role down to the one
/// that grants it) by <see cref="Grant"/> (the permission itself, an area wildcard, or the built-in Administrator).
/// </summary>
public sealed record PermissionSource(string Permission, IReadOnlyList<string> Path, string Grant);

/// <summary>
/// Every system role with its effective permissions, resolved once per load (composites and wildcards expanded), so a
/// request only unions a few precomputed sets. The built-in Administrator holds every system permission whatever is
/// stored. A load is reused for Sessions:RevalidationSeconds, which is how another instance's change arrives; a change
/// saved on this instance drops it at once (<see cref="PermissionChanges"/>).
/// </summary>
public sealed class RoleGraph
{
    // Live circuits ask for the graph "as it is now"; within this long, one load serves them all.
    private static readonly TimeSpan FreshEnough = TimeSpan.FromSeconds(1);

    private sealed record Loaded(RoleSnapshot Snapshot, DateTimeOffset At);

    private readonly IDbContextFactory<AppDbContext> _dbFactory;
    private readonly TimeProvider _time;
    private readonly TimeSpan _reuseFor;
    private volatile Loaded? _loaded;
    private long _generation; // bumped by each change: a load that began before it is not kept

    public RoleGraph(IDbContextFactory<AppDbContext> dbFactory, TimeProvider time, IOptions<SessionPolicyOptions> sessions, PermissionChanges changes)
    {
        _dbFactory = dbFactory;
        _time = time;
        _reuseFor = TimeSpan.FromSeconds(sessions.Value.RevalidationSeconds);
        changes.Changing += change =>
        {
            if (change.RolesChanged)
            {
                Interlocked.Increment(ref _generation);
                _loaded = null;
            }
        };
    }

    public Task<RoleSnapshot> GetAsync(CancellationToken cancellationToken = default) => GetAsync(_reuseFor, cancellationToken);

    /// <summary>The graph as the database has it now (at most a second old): what live circuits compare against.</summary>
    public Task<RoleSnapshot> GetFreshAsync(CancellationToken cancellationToken = default) => GetAsync(FreshEnough, cancellationToken);

    private async Task<RoleSnapshot> GetAsync(TimeSpan maxAge, CancellationToken cancellationToken)
    {
        var loaded = _loaded;
        if (loaded is not null && _time.GetUtcNow() - loaded.At < maxAge)
        {
            return loaded.Snapshot;
        }
        var at = _time.GetUtcNow();
        var generation = Interlocked.Read(ref _generation);
        var snapshot = await LoadAsync(cancellationToken);
        if (Interlocked.Read(ref _generation) == generation)
        {
            _loaded = new Loaded(snapshot, at);
        }
        return snapshot;
    }

    private async Task<RoleSnapshot> LoadAsync(CancellationToken cancellationToken)
    {
        await using var db = await _dbFactory.CreateDbContextAsync(cancellationToken);
        var roles = await db.Roles.AsNoTracking().Select(r => new { r.Id, r.Name, r.Description, r.IsBuiltIn }).ToListAsync(cancellationToken);
        var grants = await db.RoleClaims.AsNoTracking().Where(c => c.ClaimType == Permissions.ClaimType)
            .Select(c => new { c.RoleId, c.ClaimValue }).ToListAsync(cancellationToken);
        var inclusions = await db.RoleInclusions.AsNoTracking().ToListAsync(cancellationToken);
        return new RoleSnapshot(roles.Select(r => new RoleNode(r.Id, r.Name ?? "", r.Description, r.IsBuiltIn,
            grants.Where(g => g.RoleId == r.Id).Select(g => g.ClaimValue!).Distinct().Order(StringComparer.Ordinal).ToList(),
            inclusions.Where(i => i.RoleId == r.Id).Select(i => i.IncludedRoleId).ToList())).ToList());
    }
}

/// <summary>One load of the role graph, with each role's effective permissions resolved.</summary>
public sealed class RoleSnapshot
{
    private readonly Dictionary<string, IReadOnlySet<string>> _effective = [];

    public RoleSnapshot(IReadOnlyList<RoleNode> roles)
    {
        Roles = roles.OrderBy(r => r.Name, StringComparer.OrdinalIgnoreCase).ToList();
        ById = Roles.ToDictionary(r => r.Id);
        foreach (var role in Roles)
        {
            _effective[role.Id] = Sources([role.Id]).Select(s => s.Permission).ToHashSet(StringComparer.Ordinal);
        }
    }

    public IReadOnlyList<RoleNode> Roles { get; }

    public IReadOnlyDictionary<string, RoleNode> ById { get; }

    public RoleNode? ByName(string name) => Roles.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>What a role grants, with everything it includes: precomputed.</summary>
    public IReadOnlySet<string> EffectiveOf(string roleId) => _effective.TryGetValue(roleId, out var set) ? set : new HashSet<string>();

    /// <summary>The union for a user's roles.</summary>
    public IReadOnlySet<string> EffectiveOf(IEnumerable<string> roleIds)
    {
        var all = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in roleIds)
        {
            all.UnionWith(EffectiveOf(id));
        }
        return all;
    }

    /// <summary>Every (permission, path, grant) that <paramref name="roleIds"/> hold, for "why does this user have this permission?".</summary>
    public IReadOnlyList<PermissionSource> Sources(IEnumerable<string> roleIds)
    {
        var sources = new List<PermissionSource>();
        foreach (var id in roleIds)
        {
            Walk(id, [], new HashSet<string>(), sources);
        }
        return sources.OrderBy(s => s.Permission, StringComparer.Ordinal).ThenBy(s => s.Path.Count).ToList();
    }

    /// <summary>True when letting <paramref name="roleId"/> include <paramref name="includedIds"/> would make a role include itself.</summary>
    public bool WouldCycle(string roleId, IEnumerable<string> includedIds) =>
        includedIds.Any(included => included == roleId || Reaches(included, roleId, new HashSet<string>()));

    /// <summary>The roles that include <paramref name="roleId"/>, directly or through others.</summary>
    public IReadOnlyList<RoleNode> IncludedBy(string roleId) => Roles.Where(r => r.Id != roleId && Reaches(r.Id, roleId, new HashSet<string>())).ToList();

    private bool Reaches(string from, string target, HashSet<string> seen)
    {
        if (!seen.Add(from) || !ById.TryGetValue(from, out var node))
        {
            return false;
        }
        return node.IncludedRoleIds.Any(next => next == target || Reaches(next, target, seen));
    }

    private void Walk(string roleId, List<string> path, HashSet<string> seen, List<PermissionSource> sources)
    {
        if (!seen.Add(roleId) || !ById.TryGetValue(roleId, out var role))
        {
            return; // a cycle (never stored) or a role deleted meanwhile
        }
        var here = new List<string>(path) { role.Name };
        if (role.IsBuiltIn && role.Name == SystemRoles.Administrator)
        {
            sources.AddRange(Permissions.System.Select(p => new PermissionSource(p.Name, here, SystemRoles.Administrator)));
        }
        else
        {
            foreach (var grant in role.Grants)
            {
                sources.AddRange(Permissions.Expand(grant).Select(permission => new PermissionSource(permission, here, grant)));
            }
        }
        foreach (var included in role.IncludedRoleIds)
        {
            Walk(included, here, seen, sources);
        }
        seen.Remove(roleId);
    }
}
