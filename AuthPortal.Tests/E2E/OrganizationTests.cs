using Microsoft.Playwright;

namespace AuthPortal.Tests.E2E;

/// <summary>
/// Organizations in the browser: an owner creates one and invites by email; the invitee opens the link from the pickup
/// directory, signs in, joins and lands in the organization; the owner's open Members tab shows them without a reload.
/// </summary>
[Trait("Category", "E2E")]
[Collection(BrowserCollection.Name)]
public sealed class OrganizationTests
{
    [Fact]
    public async Task AnOwnerInvitesAndTheInviteeJoinsWhileTheOwnerWatchesTheMembersTab()
    {
        await using var portal = await BrowserPortal.StartAsync(PortalSettings.WithAdministrator("ops@example.com"));
        await portal.Portal.CreateUserAsync("owner@example.com");
        await portal.Portal.CreateUserAsync("invitee@example.com");
        var owner = await portal.NewPageAsync();
        await new LoginPage(owner).OpenAsync();
        await new LoginPage(owner).SignInAsync("owner@example.com", Accounts.Password);
        await new Shell(owner).WaitUntilInteractiveAsync();

        // Create: the slug follows the name.
        await owner.GotoAsync("/orgs");
        await new Shell(owner).WaitUntilInteractiveAsync();
        await Assertions.Expect(owner.Locator("[data-testid=no-orgs]")).ToBeVisibleAsync();
        await owner.ClickAsync("[data-testid=new-org]");
        await owner.Locator("[data-testid=org-name] input, input[data-testid=org-name]").First.FillAsync("Rocket Club");
        await Assertions.Expect(owner.Locator("[data-testid=org-slug] input, input[data-testid=org-slug]").First).ToHaveValueAsync("rocket-club");
        await owner.ClickAsync("[data-testid=org-create]");
        await owner.WaitForUrlAsync("**/orgs/rocket-club");
        await Assertions.Expect(owner.Locator("[data-testid=org-title]")).ToHaveTextAsync("Rocket Club");
        await Assertions.Expect(owner.Locator("[data-testid=org-switcher-button]")).ToContainTextAsync("Rocket Club");

        // Invite by email from the Invitations tab.
        await owner.GetByRole(AriaRole.Tab, new() { Name = "Invitations" }).ClickAsync();
        await owner.Locator("[data-testid=invite-email] input, input[data-testid=invite-email]").First.FillAsync("invitee@example.com");
        await owner.ClickAsync("[data-testid=invite-send]");
        await Assertions.Expect(owner.Locator("[data-testid=invitations-table]")).ToContainTextAsync("invitee@example.com");
        await BrowserPortal.ScreenshotForDocsAsync(owner, "org-invitations");
        await owner.GetByRole(AriaRole.Tab, new() { Name = "Members" }).ClickAsync();
        await Assertions.Expect(owner.Locator("[data-testid=members-table] tbody tr")).ToHaveCountAsync(1);

        // The invitee follows the emailed link, signs in from there, and joins.
        var invitee = await portal.NewPageAsync();
        var link = new Uri(portal.Portal.Mailbox.LinkIn("invitee@example.com", "You are invited"));
        await invitee.GotoAsync(link.PathAndQuery);
        await invitee.ClickAsync("[data-testid=invitation-sign-in]");
        await new LoginPage(invitee).SignInAsync("invitee@example.com", Accounts.Password);
        await invitee.WaitForUrlAsync("**/invitations/accept?token=*");
        await new Shell(invitee).WaitUntilInteractiveAsync();
        await invitee.ClickAsync("[data-testid=accept-invitation]");
        await invitee.WaitForUrlAsync("**/orgs/rocket-club");
        await Assertions.Expect(invitee.Locator("[data-testid=org-my-role]")).ToHaveTextAsync("Member");

        // The owner's open Members tab shows them, without a reload.
        await Assertions.Expect(owner.Locator("[data-testid=members-table]")).ToContainTextAsync("invitee@example.com");
        await BrowserPortal.ScreenshotForDocsAsync(owner, "org-members");

        // The same link does not work twice.
        await invitee.GotoAsync(link.PathAndQuery);
        await new Shell(invitee).WaitUntilInteractiveAsync();
        await invitee.ClickAsync("[data-testid=accept-invitation]");
        await Assertions.Expect(invitee.Locator("[data-testid=invitation-problem]")).ToBeVisibleAsync();

        // Someone without an account registers from the link, confirms the address, signs in and lands in the organization.
        await owner.GetByRole(AriaRole.Tab, new() { Name = "Invitations" }).ClickAsync();
        await owner.Locator("[data-testid=invite-email] input, input[data-testid=invite-email]").First.FillAsync("newcomer@example.com");
        await owner.ClickAsync("[data-testid=invite-send]");
        await Assertions.Expect(owner.Locator("[data-testid=invitations-table]")).ToContainTextAsync("newcomer@example.com");
        var newcomer = await portal.NewPageAsync();
        await newcomer.GotoAsync(new Uri(portal.Portal.Mailbox.LinkIn("newcomer@example.com", "You are invited")).PathAndQuery);
        await newcomer.ClickAsync("[data-testid=invitation-register]");
        await newcomer.WaitForUrlAsync("**/Account/Register?returnUrl=*");
        await NewAccountForm.FillAsync(newcomer, "newcomer@example.com", "Newcomer", "tangerine orbit velvet 77");
        await newcomer.ClickAsync("[data-testid=register-submit]");
        await newcomer.WaitForUrlAsync("**/Account/RegisterConfirmation*");
        await newcomer.GotoAsync(new Uri(portal.Portal.Mailbox.LinkIn("newcomer@example.com", "Confirm your email")).PathAndQuery);
        await newcomer.ClickAsync("[data-testid=confirmed-sign-in]");
        await new LoginPage(newcomer).SignInAsync("newcomer@example.com", "tangerine orbit velvet 77");
        await newcomer.WaitForUrlAsync("**/invitations/accept?token=*");
        await new Shell(newcomer).WaitUntilInteractiveAsync();
        await newcomer.ClickAsync("[data-testid=accept-invitation]");
        await newcomer.WaitForUrlAsync("**/orgs/rocket-club");
        await owner.GetByRole(AriaRole.Tab, new() { Name = "Members" }).ClickAsync();
        await Assertions.Expect(owner.Locator("[data-testid=members-table]")).ToContainTextAsync("newcomer@example.com");
    }

    [Fact]
    public async Task AnAdminSeesTheOwnerOutOfReachAndOnlyTheRolesTheyMayGive()
    {
        await using var portal = await BrowserPortal.StartAsync(PortalSettings.WithAdministrator("ops@example.com"));
        var owner = await portal.Portal.CreateUserAsync("reach-owner@example.com");
        var admin = await portal.Portal.CreateUserAsync("reach-admin@example.com");
        var viewer = await portal.Portal.CreateUserAsync("reach-viewer@example.com");
        await portal.Portal.WithDbAsync(async db =>
        {
            var now = DateTimeOffset.UtcNow;
            db.Organizations.Add(new AuthPortal.Data.Organization { Id = "org-reach", Name = "Reach", Slug = "reach", CreatedAt = now, OwnershipStamp = "seeded" });
            db.OrgMembers.AddRange(
                new AuthPortal.Data.OrgMember { OrganizationId = "org-reach", UserId = owner.Id, OrgRoleId = "owner", JoinedAt = now },
                new AuthPortal.Data.OrgMember { OrganizationId = "org-reach", UserId = admin.Id, OrgRoleId = "admin", JoinedAt = now },
                new AuthPortal.Data.OrgMember { OrganizationId = "org-reach", UserId = viewer.Id, OrgRoleId = "viewer", JoinedAt = now });
            return await db.SaveChangesAsync();
        });
        var page = await portal.NewPageAsync();
        await new LoginPage(page).OpenAsync();
        await new LoginPage(page).SignInAsync("reach-admin@example.com", Accounts.Password);
        await new Shell(page).WaitUntilInteractiveAsync();
        await page.GotoAsync("/orgs/reach");
        await new Shell(page).WaitUntilInteractiveAsync();

        // The owner's row: no Remove, and the role picker says why it is off (the server would refuse both).
        var rows = page.Locator("[data-testid=members-table] tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(3);
        var ownerRow = rows.Filter(new() { HasText = "reach-owner@example.com" });
        var viewerRow = rows.Filter(new() { HasText = "reach-viewer@example.com" });
        await Assertions.Expect(ownerRow).ToContainTextAsync("Their role grants more than yours");
        await Assertions.Expect(ownerRow.Locator("[data-testid=remove-member]")).ToHaveCountAsync(0);
        await Assertions.Expect(viewerRow.Locator("[data-testid=remove-member]")).ToHaveCountAsync(1);
        await Assertions.Expect(viewerRow).Not.ToContainTextAsync("Their role grants more than yours");

        // The invitation form offers the roles an Admin holds, not Owner.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Invitations" }).ClickAsync();
        await page.Locator("[data-testid=invite-role]").First.ClickAsync();
        var options = page.Locator(".mud-popover-open .mud-list-item");
        await Assertions.Expect(options.Filter(new() { HasText = "Admin" })).ToHaveCountAsync(1);
        await Assertions.Expect(options.Filter(new() { HasText = "Owner" })).ToHaveCountAsync(0);
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(options).ToHaveCountAsync(0);

        // Made a Viewer by the owner while the page is open: the page follows without a reload, and so do its actions.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Members" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=remove-member]")).ToHaveCountAsync(1);
        using var ownerClient = new HttpClient { BaseAddress = new Uri(portal.BaseUrl) };
        var ownerToken = (await ownerClient.GetTokensAsync("reach-owner@example.com")).AccessToken;
        Assert.Equal(HttpStatusCode.NoContent, (await ownerClient.SendWithTokenAsync(HttpMethod.Patch, $"/api/orgs/org-reach/members/{admin.Id}", ownerToken, new { role = "Viewer" })).StatusCode);
        await Assertions.Expect(page.Locator("[data-testid=org-my-role]")).ToHaveTextAsync("Viewer");
        await Assertions.Expect(page.GetByRole(AriaRole.Tab, new() { Name = "Invitations" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-testid=remove-member]")).ToHaveCountAsync(0);
    }
}
