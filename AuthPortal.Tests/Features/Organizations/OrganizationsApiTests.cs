using System.Text;
using System.Text.Json;
using AuthPortal.Features.Organizations;
using Microsoft.AspNetCore.WebUtilities;

namespace AuthPortal.Tests.Features.Organizations;

/// <summary>Organizations over the real app: create, members, roles, invitations, isolation and the last owner.</summary>
public sealed class OrganizationsApiTests(ClockPortal factory) : IClassFixture<ClockPortal>
{
    private async Task<(HttpClient Client, string Token, string UserId)> PersonAsync(string email)
    {
        var user = await factory.WithDbAsync(db => db.Users.FirstOrDefaultAsync(u => u.Email == email)) ?? await factory.CreateUserAsync(email);
        var client = factory.CreatePortalClient();
        return (client, (await client.GetTokensAsync(email)).AccessToken, user.Id);
    }

    private static async Task<JsonElement> JsonOf(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<string> CreateOrgAsync(HttpClient client, string token, string name, string? slug = null) =>
        (await JsonOf(await client.SendWithTokenAsync(HttpMethod.Post, "/api/orgs", token, slug is null ? new { name } : new { name, slug }), HttpStatusCode.Created))
            .GetProperty("id").GetString()!;

    /// <summary>Invites <paramref name="email"/> and accepts from their own account; returns nothing, leaves them a member.</summary>
    private async Task JoinAsync(HttpClient owner, string ownerToken, string orgId, string email, string role)
    {
        await JsonOf(await owner.SendWithTokenAsync(HttpMethod.Post, $"/api/orgs/{orgId}/members", ownerToken, new { email, role }), HttpStatusCode.Accepted);
        var token = InvitationTokenFor(email);
        var (invitee, inviteeToken, _) = await PersonAsync(email);
        await JsonOf(await invitee.SendWithTokenAsync(HttpMethod.Post, "/api/invitations/accept", inviteeToken, new { token }), HttpStatusCode.OK);
    }

    private string InvitationTokenFor(string email) =>
        QueryHelpers.ParseQuery(new Uri(factory.Mailbox.LinkIn(email, "You are invited")).Query)["token"].ToString();

    [Fact]
    public async Task TheCreatorOwnsItTheSlugIsMadeAndMeListsIt()
    {
        var (client, token, _) = await PersonAsync("founder@example.com");

        var created = await JsonOf(await client.SendWithTokenAsync(HttpMethod.Post, "/api/orgs", token, new { name = "Acme Labs, Inc." }), HttpStatusCode.Created);
        Assert.Equal("acme-labs-inc", created.GetProperty("slug").GetString());
        var second = await JsonOf(await client.SendWithTokenAsync(HttpMethod.Post, "/api/orgs", token, new { name = "Acme Labs Inc" }), HttpStatusCode.Created);
        Assert.Equal("acme-labs-inc-2", second.GetProperty("slug").GetString());
        await JsonOf(await client.SendWithTokenAsync(HttpMethod.Post, "/api/orgs", token, new { name = "Other", slug = "ACME-LABS-INC" }), HttpStatusCode.Conflict);
        var bad = await JsonOf(await client.SendWithTokenAsync(HttpMethod.Post, "/api/orgs", token, new { name = "Other", slug = "no spaces!" }), HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("slug", out _));

        var me = await JsonOf(await client.GetWithTokenAsync("/api/me", token), HttpStatusCode.OK);
        var orgs = me.GetProperty("organizations").EnumerateArray().ToList();
        Assert.Equal(2, orgs.Count);
        Assert.All(orgs, o => Assert.Equal("Owner", o.GetProperty("role").GetString()));
        Assert.Contains(orgs, o => o.GetProperty("slug").GetString() == "acme-labs-inc" && o.GetProperty("id").GetString() == created.GetProperty("id").GetString());
        Assert.True(await factory.WithDbAsync(db => db.AuditEvents.AnyAsync(e => e.Action == AuditActions.OrgCreated && e.OrganizationId == created.GetProperty("id").GetString())));
    }

    [Fact]
    public async Task AnotherOrganizationsObjectsAre404OnEveryRouteNever403()
    {
        var (owner, ownerToken, _) = await PersonAsync("isolated-owner@example.com");
        var (outsider, outsiderToken, outsiderId) = await PersonAsync("outsider@example.com");
        var orgId = await CreateOrgAsync(owner, ownerToken, "Isolated");
        var outsiderOrg = await CreateOrgAsync(outsider, outsiderToken, "Outsider's own");
        await JoinAsync(owner, ownerToken, orgId, "isolated-member@example.com", "Member");
        var memberId = await factory.WithDbAsync(db => db.Users.Where(u => u.Email == "isolated-member@example.com").Select(u => u.Id).SingleAsync());

        var routes = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Get, $"/api/orgs/{orgId}", null),
            (HttpMethod.Patch, $"/api/orgs/{orgId}", new { name = "Taken over" }),
            (HttpMethod.Delete, $"/api/orgs/{orgId}", null),
            (HttpMethod.Get, $"/api/orgs/{orgId}/members", null),
            (HttpMethod.Post, $"/api/orgs/{orgId}/members", new { email = "x@example.com", role = "Admin" }),
            (HttpMethod.Patch, $"/api/orgs/{orgId}/members/{memberId}", new { role = "Owner" }),
            (HttpMethod.Delete, $"/api/orgs/{orgId}/members/{memberId}", null),
            (HttpMethod.Get, $"/api/orgs/{orgId}/roles", null),
            (HttpMethod.Post, $"/api/orgs/{orgId}/roles", new { name = "Mine", permissions = new[] { "org.read" } }),
            (HttpMethod.Get, $"/api/orgs/{orgId}/invitations", null),
        };
        foreach (var (method, path, body) in routes)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await outsider.SendWithTokenAsync(method, path, outsiderToken, body)).StatusCode);
        }
        // Its own organization's role id used against another's: not found either.
        var outsiderRole = await JsonOf(await outsider.SendWithTokenAsync(HttpMethod.Post, $"/api/orgs/{outsiderOrg}/roles", outsiderToken,
            new { name = "Theirs", permissions = new[] { "org.read" } }), HttpStatusCode.Created);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.SendWithTokenAsync(HttpMethod.Put, $"/api/orgs/{orgId}/roles/{outsiderRole.GetProperty("id").GetString()}", ownerToken,
            new { name = "Stolen", permissions = Array.Empty<string>() })).StatusCode);
        Assert.Equal("Isolated", await factory.WithDbAsync(db => db.Organizations.Where(o => o.Id == orgId).Select(o => o.Name).SingleAsync()));
        Assert.Equal(2, await factory.WithDbAsync(db => db.OrgMembers.CountAsync(m => m.OrganizationId == orgId)));
        Assert.False(await factory.WithDbAsync(db => db.OrgMembers.AnyAsync(m => m.UserId == outsiderId && m.OrganizationId == orgId)));
    }

    [Fact]
    public async Task RolesDecideWhatMembersMayDoAndAScopedKeyNarrowsIt()
    {
        var (owner, ownerToken, _) = await PersonAsync("roles-owner@example.com");
        var orgId = await CreateOrgAsync(owner, ownerToken, "Roles at work");
        await JoinAsync(owner, ownerToken, orgId, "roles-viewer@example.com", "Viewer");
        await JoinAsync(owner, ownerToken, orgId, "roles-admin@example.com", "Admin");
        var (viewer, viewerToken, viewerId) = await PersonAsync("roles-viewer@example.com");
        var (admin, adminToken, adminId) = await PersonAsync("roles-admin@example.com");

        // A Viewer sees the organization but not its members, and changes nothing: 403, it is visible to them.
        await JsonOf(await viewer.GetWithTokenAsync($"/api/orgs/{orgId}", viewerToken), HttpStatusCode.OK);
        await JsonOf(await viewer.GetWithTokenAsync($"/api/orgs/{orgId}/members", viewerToken), HttpStatusCode.Forbidden);
        await JsonOf(await viewer.SendWithTokenAsync(HttpMethod.Patch, $"/api/orgs/{orgId}", viewerToken, new { name = "Renamed" }), HttpStatusCode.Forbidden);
        // An Admin manages members but cannot make owners or delete the organization.
        await JsonOf(await admin.SendWithTokenAsync(HttpMethod.Patch, $"/api/orgs/{orgId}/members/{viewerId}", adminToken, new { role = "Member" }), HttpStatusCode.NoContent);
        await JsonOf(await admin.SendWithTokenAsync(HttpMethod.Patch, $"/api/orgs/{orgId}/members/{viewerId}", adminToken, new { role = "Owner" }), HttpStatusCode.Forbidden);
        await JsonOf(await admin.SendWithTokenAsync(HttpMethod.Delete, $"/api/orgs/{orgId}", adminToken), HttpStatusCode.Forbidden);
        // A privileged field in a member change is refused, not applied.
        var privileged = await JsonOf(await admin.SendWithTokenAsync(HttpMethod.Patch, $"/api/orgs/{orgId}/members/{viewerId}", adminToken,
            new { role = "Member", organizationId = "elsewhere" }), HttpStatusCode.BadRequest);
        Assert.True(privileged.GetProperty("errors").TryGetProperty("organizationId", out _));
        // A custom role with a matrix of organization permissions; nobody gives what they do not hold.
        var custom = await JsonOf(await admin.SendWithTokenAsync(HttpMethod.Post, $"/api/orgs/{orgId}/roles", adminToken,
            new { name = "Inviter", permissions = new[] { "org.read", "org.members.read", "org.members.manage" } }), HttpStatusCode.Created);
        Assert.False(custom.GetProperty("isBuiltIn").GetBoolean());
        await JsonOf(await admin.SendWithTokenAsync(HttpMethod.Post, $"/api/orgs/{orgId}/roles", adminToken,
            new { name = "Deleter", permissions = new[] { "org.delete" } }), HttpStatusCode.BadRequest);
        await JsonOf(await admin.SendWithTokenAsync(HttpMethod.Post, $"/api/orgs/{orgId}/roles", adminToken,
            new { name = "Sneaky", permissions = new[] { "org.read" }, isBuiltIn = true }), HttpStatusCode.BadRequest);
        await JsonOf(await admin.SendWithTokenAsync(HttpMethod.Put, $"/api/orgs/{orgId}/roles/{BuiltInOrgRoles.OwnerId}", adminToken,
            new { name = "Owner", permissions = Array.Empty<string>() }), HttpStatusCode.Conflict);

        // A key without org.members.manage cannot invite, though its owner can.
        var key = (await JsonOf(await admin.SendWithTokenAsync(HttpMethod.Post, "/api/me/api-keys", adminToken,
            new { name = "read only", scopes = new[] { "org.read", "org.members.read" }, expiresInDays = 7 }), HttpStatusCode.Created)).GetProperty("key").GetString()!;
        await JsonOf(await admin.GetWithTokenAsync($"/api/orgs/{orgId}/members", key), HttpStatusCode.OK);
        await JsonOf(await admin.SendWithTokenAsync(HttpMethod.Post, $"/api/orgs/{orgId}/members", key, new { email = "via-key@example.com", role = "Member" }), HttpStatusCode.Forbidden);
        Assert.False(await factory.WithDbAsync(db => db.Invitations.AnyAsync(i => i.Email == "via-key@example.com")));
        Assert.NotEqual(adminId, viewerId);
    }

    [Fact]
    public async Task ManagingMembersGivesNoRoleAndReachesNoMemberBeyondWhatTheManagerHolds()
    {
        var (owner, ownerToken, _) = await PersonAsync("reach-owner@example.com");
        var orgId = await CreateOrgAsync(owner, ownerToken, "Reach");
        await JsonOf(await owner.SendWithTokenAsync(HttpMethod.Post, $"/api/orgs/{orgId}/roles", ownerToken,
            new { name = "Inviter", permissions = new[] { "org.read", "org.members.read", "org.members.manage" } }), HttpStatusCode.Created);
        await JsonOf(await owner.SendWithTokenAsync(HttpMethod.Post, $"/api/orgs/{orgId}/roles", ownerToken,
            new { name = "Closer", permissions = new[] { "org.read", "org.delete" } }), HttpStatusCode.Created);
        await JoinAsync(owner, ownerToken, orgId, "reach-inviter@example.com", "Inviter");
        await JoinAsync(owner, ownerToken, orgId, "reach-admin@example.com", "Admin");
        await JoinAsync(owner, ownerToken, orgId, "reach-viewer@example.com", "Viewer");
        var (inviter, inviterToken, inviterId) = await PersonAsync("reach-inviter@example.com");
        var (admin, adminToken, adminId) = await PersonAsync("reach-admin@example.com");
        var (_, _, viewerId) = await PersonAsync("reach-viewer@example.com");
        async Task<string> RoleOfAsync(string userId) =>
            await factory.WithDbAsync(db => db.OrgMembers.Where(m => m.OrganizationId == orgId && m.UserId == userId).Select(m => m.OrgRoleId).SingleAsync());

        // Holding org.members.manage alone: no promotion of oneself or anyone to Admin, by change or by invitation.
        var self = await JsonOf(await inviter.SendWithTokenAsync(HttpMethod.Patch, $"/api/orgs/{orgId}/members/{inviterId}", inviterToken, new { role = "Admin" }), HttpStatusCode.Forbidden);
        Assert.Contains("org.roles.manage", self.GetProperty("detail").GetString());
        await JsonOf(await inviter.SendWithTokenAsync(HttpMethod.Patch, $"/api/orgs/{orgId}/members/{viewerId}", inviterToken, new { role = "Admin" }), HttpStatusCode.Forbidden);
        await JsonOf(await inviter.SendWithTokenAsync(HttpMethod.Post, $"/api/orgs/{orgId}/members", inviterToken, new { email = "reach-new@example.com", role = "Admin" }), HttpStatusCode.Forbidden);
        Assert.False(await factory.WithDbAsync(db => db.Invitations.AnyAsync(i => i.Email == "reach-new@example.com")));
        // Nor a demotion or removal of a member who holds more.
        await JsonOf(await inviter.SendWithTokenAsync(HttpMethod.Patch, $"/api/orgs/{orgId}/members/{adminId}", inviterToken, new { role = "Viewer" }), HttpStatusCode.Forbidden);
        await JsonOf(await inviter.SendWithTokenAsync(HttpMethod.Delete, $"/api/orgs/{orgId}/members/{adminId}", inviterToken), HttpStatusCode.Forbidden);
        Assert.Equal(BuiltInOrgRoles.AdminId, await RoleOfAsync(adminId));
        Assert.Equal(BuiltInOrgRoles.ViewerId, await RoleOfAsync(viewerId));
        Assert.Equal(2, await factory.WithDbAsync(db => db.OrgRoles.CountAsync(r => r.OrganizationId == orgId)));
        // What they hold they may give: a Viewer becomes a Member, an invitation as Member goes out.
        await JsonOf(await inviter.SendWithTokenAsync(HttpMethod.Patch, $"/api/orgs/{orgId}/members/{viewerId}", inviterToken, new { role = "Member" }), HttpStatusCode.NoContent);
        await JsonOf(await inviter.SendWithTokenAsync(HttpMethod.Post, $"/api/orgs/{orgId}/members", inviterToken, new { email = "reach-member@example.com", role = "Member" }), HttpStatusCode.Accepted);
        Assert.Equal(BuiltInOrgRoles.MemberId, await RoleOfAsync(viewerId));

        // An Admin cannot take an owner-made role that deletes the organization, for themselves or anyone.
        await JsonOf(await admin.SendWithTokenAsync(HttpMethod.Patch, $"/api/orgs/{orgId}/members/{adminId}", adminToken, new { role = "Closer" }), HttpStatusCode.Forbidden);
        await JsonOf(await admin.SendWithTokenAsync(HttpMethod.Patch, $"/api/orgs/{orgId}/members/{viewerId}", adminToken, new { role = "Closer" }), HttpStatusCode.Forbidden);
        await JsonOf(await admin.SendWithTokenAsync(HttpMethod.Delete, $"/api/orgs/{orgId}", adminToken), HttpStatusCode.Forbidden);
        Assert.Equal(BuiltInOrgRoles.AdminId, await RoleOfAsync(adminId));
        // The owner can, and an Admin then no longer reaches that member; leaving stays open to everyone.
        await JsonOf(await owner.SendWithTokenAsync(HttpMethod.Patch, $"/api/orgs/{orgId}/members/{viewerId}", ownerToken, new { role = "Closer" }), HttpStatusCode.NoContent);
        await JsonOf(await admin.SendWithTokenAsync(HttpMethod.Delete, $"/api/orgs/{orgId}/members/{viewerId}", adminToken), HttpStatusCode.Forbidden);
        await JsonOf(await inviter.SendWithTokenAsync(HttpMethod.Delete, $"/api/orgs/{orgId}/members/{inviterId}", inviterToken), HttpStatusCode.NoContent);
        Assert.False(await factory.WithDbAsync(db => db.OrgMembers.AnyAsync(m => m.OrganizationId == orgId && m.UserId == inviterId)));
    }

    [Fact]
    public async Task InvitationsAreHashedSingleUseForTheirAddressAndExpireOnAMovedClock()
    {
        var (owner, ownerToken, _) = await PersonAsync("inviting-owner@example.com");
        var orgId = await CreateOrgAsync(owner, ownerToken, "Inviting");
        await JsonOf(await owner.SendWithTokenAsync(HttpMethod.Post, $"/api/orgs/{orgId}/members", ownerToken, new { email = "invitee@example.com", role = "Member" }), HttpStatusCode.Accepted);
        var token = InvitationTokenFor("invitee@example.com");

        // Only the hash is stored: the token appears nowhere in the database.
        await StoredData.AssertAbsentAsync(factory, token);
        // Another account cannot use it.
        var (stranger, strangerToken, _) = await PersonAsync("stranger@example.com");
        await JsonOf(await stranger.SendWithTokenAsync(HttpMethod.Post, "/api/invitations/accept", strangerToken, new { token }), HttpStatusCode.NotFound);
        // Two acceptances at once join once.
        var (invitee, inviteeToken, inviteeId) = await PersonAsync("invitee@example.com");
        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            invitee.SendWithTokenAsync(HttpMethod.Post, "/api/invitations/accept", inviteeToken, new { token })));
        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.OK), a => Assert.Equal(HttpStatusCode.NotFound, a.StatusCode));
        Assert.Equal(1, await factory.WithDbAsync(db => db.OrgMembers.CountAsync(m => m.UserId == inviteeId && m.OrganizationId == orgId)));

        // An invitation left for 7 days stops working.
        await JsonOf(await owner.SendWithTokenAsync(HttpMethod.Post, $"/api/orgs/{orgId}/members", ownerToken, new { email = "late@example.com", role = "Viewer" }), HttpStatusCode.Accepted);
        var lateToken = InvitationTokenFor("late@example.com");
        var pending = await JsonOf(await owner.GetWithTokenAsync($"/api/orgs/{orgId}/invitations", ownerToken), HttpStatusCode.OK);
        Assert.Contains(pending.GetProperty("items").EnumerateArray(), i => i.GetProperty("email").GetString() == "late@example.com");
        factory.Clock!.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
        var (late, lateAccess, _) = await PersonAsync("late@example.com");
        await JsonOf(await late.SendWithTokenAsync(HttpMethod.Post, "/api/invitations/accept", lateAccess, new { token = lateToken }), HttpStatusCode.NotFound);
        // And it is no longer listed as pending; a newer one is, newest first.
        var (ownerAgain, ownerAgainToken, _) = await PersonAsync("inviting-owner@example.com");
        await JsonOf(await ownerAgain.SendWithTokenAsync(HttpMethod.Post, $"/api/orgs/{orgId}/members", ownerAgainToken, new { email = "later@example.com", role = "Viewer" }), HttpStatusCode.Accepted);
        factory.Clock.Advance(TimeSpan.FromMinutes(1));
        await JsonOf(await ownerAgain.SendWithTokenAsync(HttpMethod.Post, $"/api/orgs/{orgId}/members", ownerAgainToken, new { email = "latest@example.com", role = "Viewer" }), HttpStatusCode.Accepted);
        var stillPending = await JsonOf(await ownerAgain.GetWithTokenAsync($"/api/orgs/{orgId}/invitations", ownerAgainToken), HttpStatusCode.OK);
        Assert.Equal(["latest@example.com", "later@example.com"], stillPending.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("email").GetString()).ToList());
    }

    [Fact]
    public async Task ConcurrentDemoteRemoveAndLeaveOfOwnersLeaveAnOwner()
    {
        var (first, firstToken, firstId) = await PersonAsync("owner-one@example.com");
        var orgId = await CreateOrgAsync(first, firstToken, "Two owners");
        await JoinAsync(first, firstToken, orgId, "owner-two@example.com", "Owner");
        var (second, secondToken, secondId) = await PersonAsync("owner-two@example.com");

        // Each owner takes the other's ownership away and leaves, all at once.
        var answers = await Task.WhenAll(
            first.SendWithTokenAsync(HttpMethod.Patch, $"/api/orgs/{orgId}/members/{secondId}", firstToken, new { role = "Member" }),
            second.SendWithTokenAsync(HttpMethod.Patch, $"/api/orgs/{orgId}/members/{firstId}", secondToken, new { role = "Member" }),
            first.SendWithTokenAsync(HttpMethod.Delete, $"/api/orgs/{orgId}/members/{firstId}", firstToken),
            second.SendWithTokenAsync(HttpMethod.Delete, $"/api/orgs/{orgId}/members/{secondId}", secondToken));

        Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.Conflict or HttpStatusCode.NotFound or HttpStatusCode.Forbidden,
            $"unexpected {(int)a.StatusCode}"));
        Assert.True(await factory.WithDbAsync(db => db.OrgMembers.AnyAsync(m => m.OrganizationId == orgId && m.OrgRoleId == BuiltInOrgRoles.OwnerId)));
    }

    [Fact]
    public async Task TheOnlyOwnerOfAnOrganizationCannotDeleteTheirAccount()
    {
        var (owner, ownerToken, ownerId) = await PersonAsync("sole-owner@example.com");
        await CreateOrgAsync(owner, ownerToken, "Kept alive");
        var adminToken = (await owner.GetTokensAsync(DefaultPortal.AdminEmail)).AccessToken;

        var refused = await owner.SendWithTokenAsync(HttpMethod.Delete, $"/api/users/{ownerId}", adminToken);

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("only owner of Kept alive", await refused.Content.ReadAsStringAsync());
        Assert.True(await factory.WithDbAsync(db => db.Users.AnyAsync(u => u.Id == ownerId)));
    }

    [Fact]
    public async Task ADeletedOrganizationIsGoneForItsMembersAtOnce()
    {
        var (owner, ownerToken, _) = await PersonAsync("deleting-owner@example.com");
        var orgId = await CreateOrgAsync(owner, ownerToken, "Short lived", "short-lived");
        await JoinAsync(owner, ownerToken, orgId, "short-member@example.com", "Member");
        var (member, memberToken, _) = await PersonAsync("short-member@example.com");
        await JsonOf(await member.GetWithTokenAsync($"/api/orgs/{orgId}", memberToken), HttpStatusCode.OK);

        await JsonOf(await owner.SendWithTokenAsync(HttpMethod.Delete, $"/api/orgs/{orgId}", ownerToken), HttpStatusCode.NoContent);

        await JsonOf(await member.GetWithTokenAsync($"/api/orgs/{orgId}", memberToken), HttpStatusCode.NotFound);
        Assert.Empty((await JsonOf(await member.GetWithTokenAsync("/api/me", memberToken), HttpStatusCode.OK)).GetProperty("organizations").EnumerateArray());
        // The slug is free again; the deleted organization's rows and audit trail stay.
        await CreateOrgAsync(owner, ownerToken, "Short lived again", "short-lived");
        Assert.True(await factory.WithDbAsync(db => db.Organizations.AnyAsync(o => o.Id == orgId && o.DeletedAt != null)));
        Assert.True(await factory.WithDbAsync(db => db.AuditEvents.AnyAsync(e => e.Action == AuditActions.OrgDeleted && e.OrganizationId == orgId)));
    }

    [Fact]
    public async Task ARoleThatAcceptedInvitationsNamedCanBeDeletedOnceNobodyHoldsIt()
    {
        var (owner, ownerToken, _) = await PersonAsync("history-owner@example.com");
        var orgId = await CreateOrgAsync(owner, ownerToken, "Role History");
        var roleId = (await JsonOf(await owner.SendWithTokenAsync(HttpMethod.Post, $"/api/orgs/{orgId}/roles", ownerToken, new { name = "Temporary", permissions = new[] { "org.read" } }),
            HttpStatusCode.Created)).GetProperty("id").GetString();
        await JoinAsync(owner, ownerToken, orgId, "history-member@example.com", "Temporary");
        var (_, _, memberId) = await PersonAsync("history-member@example.com");
        await JsonOf(await owner.SendWithTokenAsync(HttpMethod.Delete, $"/api/orgs/{orgId}/roles/{roleId}", ownerToken), HttpStatusCode.Conflict);

        await JsonOf(await owner.SendWithTokenAsync(HttpMethod.Patch, $"/api/orgs/{orgId}/members/{memberId}", ownerToken, new { role = "Member" }), HttpStatusCode.NoContent);

        // The accepted invitation still named the role: that used to fail the deletion with a 500.
        await JsonOf(await owner.SendWithTokenAsync(HttpMethod.Delete, $"/api/orgs/{orgId}/roles/{roleId}", ownerToken), HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task MeListsAnOrganizationAsSoonAsTheMemberJoinsAndNotOnceTheyAreRemovedOrItIsRenamed()
    {
        var (owner, ownerToken, _) = await PersonAsync("cache-owner@example.com");
        var (member, memberToken, memberId) = await PersonAsync("cache-member@example.com");
        async Task<List<string>> MyOrgNamesAsync() => (await JsonOf(await member.GetWithTokenAsync("/api/me", memberToken), HttpStatusCode.OK))
            .GetProperty("organizations").EnumerateArray().Select(o => o.GetProperty("name").GetString()!).ToList();
        var orgId = await CreateOrgAsync(owner, ownerToken, "Cached Org");
        Assert.DoesNotContain("Cached Org", await MyOrgNamesAsync()); // now cached for this person

        await JoinAsync(owner, ownerToken, orgId, "cache-member@example.com", "Member");
        Assert.Contains("Cached Org", await MyOrgNamesAsync());
        await JsonOf(await owner.SendWithTokenAsync(HttpMethod.Patch, $"/api/orgs/{orgId}", ownerToken, new { name = "Cached Org Renamed" }), HttpStatusCode.OK);
        Assert.Contains("Cached Org Renamed", await MyOrgNamesAsync());
        await JsonOf(await owner.SendWithTokenAsync(HttpMethod.Delete, $"/api/orgs/{orgId}/members/{memberId}", ownerToken), HttpStatusCode.NoContent);
        Assert.DoesNotContain("Cached Org Renamed", await MyOrgNamesAsync());
    }
}
