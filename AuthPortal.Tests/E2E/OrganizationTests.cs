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
}
