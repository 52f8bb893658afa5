using AuthPortal.Features.Organizations;
using Microsoft.AspNetCore.WebUtilities;

namespace AuthPortal.Tests.Features.Organizations;

/// <summary>
/// Every organization route × every kind of caller × {the caller's organization, another one}. The table holds each
/// route's permission (null: being able to see the organization is enough) and the status of a call that may go ahead
/// (aimed at ids that do not exist, or with an empty body, so it changes nothing). Each cell follows from it: anonymous
/// 401; an organization the caller cannot see 404, never 403; visible without the permission 403; with it, the allowed
/// status. Deleting the organization itself is covered by the organization tests (it cannot be undone per cell).
/// </summary>
public sealed class OrgAuthorizationMatrixTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    private const string Org = "{org}";
    private const string Missing = "no-such-id";

    private static readonly (string Method, string Path, object? Body, string? Permission, HttpStatusCode Allowed)[] Routes =
    [
        ("GET", $"/api/orgs/{Org}", null, null, HttpStatusCode.OK),
        ("PATCH", $"/api/orgs/{Org}", new { }, Permissions.OrgUpdate, HttpStatusCode.OK),
        ("GET", $"/api/orgs/{Org}/members", null, Permissions.OrgMembersRead, HttpStatusCode.OK),
        ("POST", $"/api/orgs/{Org}/members", new { email = "", role = "Member" }, Permissions.OrgMembersManage, HttpStatusCode.BadRequest),
        ("PATCH", $"/api/orgs/{Org}/members/{Missing}", new { role = "Member" }, Permissions.OrgMembersManage, HttpStatusCode.NotFound),
        ("DELETE", $"/api/orgs/{Org}/members/{Missing}", null, Permissions.OrgMembersManage, HttpStatusCode.NotFound),
        ("GET", $"/api/orgs/{Org}/roles", null, Permissions.OrgRead, HttpStatusCode.OK),
        ("POST", $"/api/orgs/{Org}/roles", new { name = "" }, Permissions.OrgRolesManage, HttpStatusCode.BadRequest),
        ("PUT", $"/api/orgs/{Org}/roles/{Missing}", new { name = "x" }, Permissions.OrgRolesManage, HttpStatusCode.NotFound),
        ("DELETE", $"/api/orgs/{Org}/roles/{Missing}", null, Permissions.OrgRolesManage, HttpStatusCode.NotFound),
        ("GET", $"/api/orgs/{Org}/invitations", null, Permissions.OrgMembersManage, HttpStatusCode.OK),
        ("POST", $"/api/orgs/{Org}/invitations/{Missing}/resend", null, Permissions.OrgMembersManage, HttpStatusCode.NotFound),
        ("DELETE", $"/api/orgs/{Org}/invitations/{Missing}", null, Permissions.OrgMembersManage, HttpStatusCode.NotFound),
    ];

    /// <summary>A caller: their credential, and what they hold in each organization (null: cannot see it).</summary>
    private sealed record Caller(string Name, string? Credential, Func<string, IReadOnlySet<string>?> HoldsIn);

    private static IReadOnlySet<string> Grants(string roleId) => roleId switch
    {
        BuiltInOrgRoles.OwnerId => Permissions.Organization.Select(p => p.Name).ToHashSet(),
        BuiltInOrgRoles.AdminId => Permissions.Organization.Select(p => p.Name).Where(p => p != Permissions.OrgDelete).ToHashSet(),
        BuiltInOrgRoles.MemberId => new HashSet<string> { Permissions.OrgRead, Permissions.OrgMembersRead },
        _ => new HashSet<string> { Permissions.OrgRead },
    };

    [Fact]
    public async Task EveryCellOfTheOrganizationMatrixAnswersAsTheTableSays()
    {
        var client = factory.CreatePortalClient();
        async Task<string> TokenOf(string email)
        {
            if (!await factory.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == email)))
            {
                await factory.CreateUserAsync(email);
            }
            return (await client.GetTokensAsync(email)).AccessToken;
        }
        async Task<string> OrgOf(string token, string name) =>
            (await (await client.SendWithTokenAsync(HttpMethod.Post, "/api/orgs", token, new { name })).JsonAsync()).GetProperty("id").GetString()!;
        async Task JoinAsync(string ownerToken, string orgId, string email, string role)
        {
            var invited = await client.SendWithTokenAsync(HttpMethod.Post, $"/api/orgs/{orgId}/members", ownerToken, new { email, role });
            Assert.Equal(HttpStatusCode.Accepted, invited.StatusCode);
            var token = QueryHelpers.ParseQuery(new Uri(factory.Mailbox.LinkIn(email, "You are invited")).Query)["token"].ToString();
            Assert.Equal(HttpStatusCode.OK, (await client.SendWithTokenAsync(HttpMethod.Post, "/api/invitations/accept", await TokenOf(email), new { token })).StatusCode);
        }

        var ownerToken = await TokenOf("matrix-owner@example.com");
        var own = await OrgOf(ownerToken, "Matrix own");
        var otherOwnerToken = await TokenOf("matrix-other-owner@example.com");
        var other = await OrgOf(otherOwnerToken, "Matrix other");
        var callers = new List<Caller>
        {
            new("anonymous", null, _ => null),
            new("outsider", await TokenOf("matrix-outsider@example.com"), _ => null),
            new("Owner", ownerToken, org => org == own ? Grants(BuiltInOrgRoles.OwnerId) : null),
            new("Owner of another organization", otherOwnerToken, org => org == other ? Grants(BuiltInOrgRoles.OwnerId) : null),
            new("system Administrator", (await client.GetTokensAsync(DefaultPortal.AdminEmail)).AccessToken, _ => Grants(BuiltInOrgRoles.OwnerId)),
        };
        foreach (var role in new[] { "Admin", "Member", "Viewer" })
        {
            var email = $"matrix-{role.ToLowerInvariant()}@example.com";
            await JoinAsync(ownerToken, own, email, role);
            var grants = Grants(role.ToLowerInvariant());
            callers.Add(new(role, await TokenOf(email), org => org == own ? grants : null));
        }
        foreach (var permission in Permissions.Organization)
        {
            var roleName = $"Only {permission.Name}";
            Assert.Equal(HttpStatusCode.Created, (await client.SendWithTokenAsync(HttpMethod.Post, $"/api/orgs/{own}/roles", ownerToken,
                new { name = roleName, permissions = new[] { permission.Name } })).StatusCode);
            var email = $"matrix-only-{permission.Name}@example.com";
            await JoinAsync(ownerToken, own, email, roleName);
            callers.Add(new($"custom role with only {permission.Name}", await TokenOf(email), org => org == own ? new HashSet<string> { permission.Name } : null));
        }
        // The Owner's keys, each scoped to every organization permission but one.
        var keys = new Dictionary<string, string>();
        foreach (var permission in Permissions.Organization)
        {
            var created = await client.SendWithTokenAsync(HttpMethod.Post, "/api/me/api-keys", ownerToken, new
            {
                name = $"without {permission.Name}", scopes = Permissions.Organization.Select(p => p.Name).Where(p => p != permission.Name).ToArray(), expiresInDays = 7,
            });
            keys[permission.Name] = (await created.JsonAsync()).GetProperty("key").GetString()!;
        }

        var differences = new List<string>();
        var cells = 0;
        foreach (var (method, template, body, needed, allowed) in Routes)
        {
            var cellCallers = callers.ToList();
            var lacking = needed ?? Permissions.OrgAuditRead;
            var keyGrants = Grants(BuiltInOrgRoles.OwnerId).Where(p => p != lacking).ToHashSet();
            cellCallers.Add(new($"Owner's key without {lacking}", keys[lacking], org => org == own ? keyGrants : null));
            foreach (var (target, targetName) in new[] { (own, "own organization"), (other, "other organization") })
            {
                var path = template.Replace(Org, target, StringComparison.Ordinal);
                foreach (var caller in cellCallers)
                {
                    var holds = caller.HoldsIn(target);
                    var expected = caller.Credential is null ? HttpStatusCode.Unauthorized
                        : holds is null ? HttpStatusCode.NotFound
                        : needed is null || holds.Contains(needed) ? allowed
                        : HttpStatusCode.Forbidden;
                    var response = caller.Credential is null
                        ? await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = body is null ? null : JsonContent.Create(body) })
                        : await client.SendWithTokenAsync(new HttpMethod(method), path, caller.Credential, body);
                    cells++;
                    if (response.StatusCode != expected)
                    {
                        differences.Add($"{method} {template} on the {targetName} as {caller.Name}: expected {(int)expected}, got {(int)response.StatusCode}");
                    }
                }
            }
        }

        Assert.True(cells == Routes.Length * 2 * (8 + Permissions.Organization.Count + 1), $"only {cells} cells ran");
        Assert.True(differences.Count == 0, string.Join("\n", differences));
        Assert.Equal("Matrix own", await factory.WithDbAsync(db => db.Organizations.Where(o => o.Id == own).Select(o => o.Name).SingleAsync()));
    }
}
