using AuthPortal.Features.Roles;

namespace AuthPortal.Features.Tokens;

/// <summary>
/// A token's scope: space-separated permission names (RFC 6749 §3.3). A scope narrows, never widens: what a token
/// may do is always its scope intersected with what its user holds now. The token endpoint, the permission check
/// and /api/me all read scopes through this type.
/// </summary>
public sealed class TokenScope
{
    private static readonly TokenScope Empty = new([]);

    private TokenScope(IEnumerable<string> names) =>
        Names = names.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    /// <summary>The permission names, sorted and without repeats.</summary>
    public IReadOnlyList<string> Names { get; }

    public bool IsEmpty => Names.Count == 0;

    public static TokenScope Parse(string? value) =>
        string.IsNullOrWhiteSpace(value) ? Empty : new TokenScope(value.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>Names that are neither system nor organization permissions (RFC 6749 §5.2: invalid_scope).</summary>
    public IReadOnlyList<string> Unknown => Names.Where(name => !Permissions.IsKnown(name)).ToList();

    /// <summary>
    /// What a new token gets for this requested scope: the requested system permissions the user holds, or every one
    /// they hold when none was asked for. Organization permissions pass as asked (all of them when none was asked for):
    /// they only ever narrow, since each organization grants them by the user's role there.
    /// </summary>
    public TokenScope Grant(IReadOnlySet<string> held) =>
        new(IsEmpty
            ? held.Concat(Permissions.Organization.Select(p => p.Name))
            : Names.Where(name => held.Contains(name) || Permissions.IsOrganizationPermission(name)));

    /// <summary>What a caller may do in an organization: what their role there grants, within the token's scope (none for a cookie).</summary>
    public static IReadOnlySet<string> EffectiveInOrganization(string? scopeClaim, IEnumerable<string> granted) =>
        (scopeClaim is null ? granted : granted.Where(Parse(scopeClaim).Names.Contains)).ToHashSet(StringComparer.Ordinal);

    /// <summary>The scope claim and the <c>scope</c> field of a token response.</summary>
    public override string ToString() => string.Join(' ', Names);
}
