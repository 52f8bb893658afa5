using Microsoft.Playwright;

namespace AuthPortal.Tests.E2E;

/// <summary>
/// The admin console end to end: an administrator creates a user, who chooses a password from the emailed link; a custom
/// role given on the user page shows up in the user's open page without a reload, and taking it away sends their open
/// admin page away.
/// </summary>
[Trait("Category", "E2E")]
[Collection(BrowserCollection.Name)]
public sealed class LiveRolesTests
{
    private const string MemberPassword = "quiet harbour lantern 42";
    private const string UsersNavigation = ".mud-navmenu a[href='admin/users']";

    [Fact]
    public async Task ARoleGivenAndTakenReachesTheUsersOpenPagesWithoutAReload()
    {
        await using var portal = await BrowserPortal.StartAsync(PortalSettings.WithAdministrator("ops@example.com"));
        var admin = await portal.NewPageAsync();
        await new LoginPage(admin).OpenAsync();
        await new LoginPage(admin).SignInAsync("ops@example.com", Accounts.Password);
        await new Shell(admin).WaitUntilInteractiveAsync();

        // The administrator creates the user; no password is typed anywhere.
        await admin.GotoAsync("/admin/users");
        await new Shell(admin).WaitUntilInteractiveAsync();
        await admin.ClickAsync("[data-testid=new-user]");
        await admin.Locator("[data-testid=new-user-email] input, input[data-testid=new-user-email]").First.FillAsync("member@example.com");
        await admin.Locator("[data-testid=new-user-name] input, input[data-testid=new-user-name]").First.FillAsync("Member");
        await admin.ClickAsync("[data-testid=new-user-create]");
        await admin.WaitForUrlAsync("**/admin/users/*");
        await Assertions.Expect(admin.Locator("[data-testid=user-name]")).ToHaveTextAsync("Member");
        var memberUrl = admin.Url;

        // The member chooses a password from the emailed link, then signs in.
        var member = await portal.NewPageAsync();
        var link = new Uri(portal.Portal.Mailbox.LinkIn("member@example.com", "Your AuthPortal account"));
        await member.GotoAsync(link.PathAndQuery);
        await member.FillAsync("#password", MemberPassword);
        await member.FillAsync("#confirmPassword", MemberPassword);
        await member.ClickAsync("[data-testid=reset-submit]");
        await member.WaitForUrlAsync("**/Account/Login?reset=done");
        await new LoginPage(member).SignInAsync("member@example.com", MemberPassword);
        await new Shell(member).WaitUntilInteractiveAsync();
        await Assertions.Expect(member.Locator(UsersNavigation)).ToHaveCountAsync(0);

        // A custom role with users.read, made on the roles page.
        await admin.GotoAsync("/admin/roles");
        await new Shell(admin).WaitUntilInteractiveAsync();
        await admin.ClickAsync("[data-testid=new-role]");
        await admin.Locator("[data-testid=role-name] input, input[data-testid=role-name]").First.FillAsync("Readers");
        await admin.ClickAsync("[data-testid=grant-users\\.read] input, input[data-testid=grant-users\\.read]");
        await BrowserPortal.ScreenshotForDocsAsync(admin, "role-dialog");
        await admin.ClickAsync("[data-testid=role-save]");
        await Assertions.Expect(admin.Locator("[data-testid=roles-table]")).ToContainTextAsync("Readers");
        await BrowserPortal.ScreenshotForDocsAsync(admin, "roles");

        // Given on the member's page: the member's open dashboard reloads itself and grows the Users link.
        await admin.GotoAsync(memberUrl);
        await new Shell(admin).WaitUntilInteractiveAsync();
        await admin.ClickAsync("[data-testid=edit-user-roles]");
        await admin.ClickAsync("[data-testid=user-role-Readers] input, input[data-testid=user-role-Readers]");
        await admin.ClickAsync("[data-testid=user-roles-save]");
        await Assertions.Expect(admin.Locator("[data-testid=permission-explanation]")).ToContainTextAsync("users.read");
        await BrowserPortal.ScreenshotForDocsAsync(admin, "admin-user");
        await Assertions.Expect(member.Locator(UsersNavigation)).ToBeVisibleAsync();

        // The member opens the users list; taking the role away sends that page away, still signed in.
        await member.ClickAsync(UsersNavigation);
        await Assertions.Expect(member.Locator("[data-testid=users-table]")).ToBeVisibleAsync();
        await admin.ClickAsync("[data-testid=edit-user-roles]");
        await admin.ClickAsync("[data-testid=user-role-Readers] input, input[data-testid=user-role-Readers]");
        await admin.ClickAsync("[data-testid=user-roles-save]");
        await member.WaitForUrlAsync(portal.BaseUrl + "/?permissionsChanged=1");
        await Assertions.Expect(member.GetByText("Your permissions changed")).ToBeVisibleAsync();
        await Assertions.Expect(member.Locator(UsersNavigation)).ToHaveCountAsync(0);
        await Assertions.Expect(member.Locator(".mud-navmenu a[href='profile']")).ToBeVisibleAsync();
    }
}
