using System.Text.Json;
using AuthPortal.Features.Users;
using Microsoft.AspNetCore.WebUtilities;

namespace AuthPortal.Tests.Features.Audit;

/// <summary>
/// Each action of the catalog that a script or an administrator can cause is caused here, one step at a time, and the
/// step's own event is looked for among the events written after it began: the catalog test proves each action is
/// referenced in the code; this proves the code path that does the action records it. Browser-only actions (passkeys,
/// 2FA set-up, recovery codes, email links, first run) are proved by their own tests: SelfServicePageTests,
/// TwoFactorSignInTests, AccountFlowTests and SetupTests.
/// </summary>
public sealed class AuditEmissionTests(ClockPortal factory) : IClassFixture<ClockPortal>
{
    private readonly List<string> _missing = [];

    private async Task StepAsync(string[] actions, Func<Task> work)
    {
        var before = await factory.WithDbAsync(db => db.AuditEvents.MaxAsync(e => (long?)e.Id)) ?? 0;
        await work();
        var written = await factory.WithDbAsync(db => db.AuditEvents.Where(e => e.Id > before).Select(e => e.Action).Distinct().ToListAsync());
        _missing.AddRange(actions.Where(a => !written.Contains(a)));
    }

    private static async Task<JsonElement> JsonOf(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {response.RequestMessage?.RequestUri}: {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    [Fact]
    public async Task EachActionAScriptOrAnAdministratorCausesIsRecordedByThePathThatDoesIt()
    {
        var client = factory.CreatePortalClient();
        var admin = (await client.GetTokensAsync(DefaultPortal.AdminEmail)).AccessToken;
        var adminId = (await factory.WithDbAsync(db => db.Users.SingleAsync(u => u.Email == DefaultPortal.AdminEmail))).Id;
        Task<JsonElement> Send(HttpMethod method, string path, string token, object? body = null) => client.SendWithTokenAsync(method, path, token, body).ContinueWith(t => JsonOf(t.Result)).Unwrap();

        // Tokens and sign-in.
        ApiClient.Tokens person = default!;
        string createdId = "";
        await StepAsync([AuditActions.UserCreated], async () => createdId = (await Send(HttpMethod.Post, "/api/users", admin, new { email = "emitted-created@example.com", displayName = "Created" })).GetProperty("id").GetString()!);
        var personId = (await factory.CreateUserAsync("emitted@example.com")).Id;
        await StepAsync([AuditActions.SignInFailed], () => client.PasswordGrantAsync("emitted@example.com", "not the password"));
        await StepAsync([AuditActions.SignInSucceeded, AuditActions.SessionCreated, AuditActions.TokenIssued], async () => person = await client.GetTokensAsync("emitted@example.com"));
        ApiClient.Tokens refreshed = default!;
        await StepAsync([AuditActions.TokenRefreshed], async () => refreshed = await (await client.RefreshGrantAsync(person.RefreshToken)).TokensAsync());
        // Past the grace a racing retry gets, a spent refresh token is a stolen copy.
        factory.Clock!.Advance(RefreshGrant.ConcurrentUseGrace + TimeSpan.FromSeconds(1));
        await StepAsync([AuditActions.TokenReuseDetected, AuditActions.SessionRevoked], () => client.RefreshGrantAsync(person.RefreshToken));
        person = await client.GetTokensAsync("emitted@example.com");
        await StepAsync([AuditActions.TokenRevoked], () => client.PostAsync("/api/auth/revoke", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = person.RefreshToken })));
        person = await client.GetTokensAsync("emitted@example.com");
        await StepAsync([AuditActions.SignedOut], () => Send(HttpMethod.Post, "/api/auth/logout", person.AccessToken));
        person = await client.GetTokensAsync("emitted@example.com");

        // The person's own account.
        await StepAsync([AuditActions.ProfileUpdated], () => Send(HttpMethod.Patch, "/api/me", person.AccessToken, new { displayName = "Emitted Again" }));
        await StepAsync([AuditActions.PasswordChanged], () => Send(HttpMethod.Post, "/api/me/password", person.AccessToken, new { currentPassword = Accounts.Password, newPassword = Accounts.Password + "-2" }));
        person = await client.GetTokensAsync("emitted@example.com", Accounts.Password + "-2");

        // API keys.
        string keyId = "", key = "";
        await StepAsync([AuditActions.ApiKeyCreated], async () =>
        {
            var created = await Send(HttpMethod.Post, "/api/me/api-keys", person.AccessToken, new { name = "emitted key", expiresInDays = 30 });
            (keyId, key) = (created.GetProperty("id").GetString()!, created.GetProperty("key").GetString()!);
        });
        await StepAsync([AuditActions.ApiKeyRenamed], () => Send(HttpMethod.Patch, $"/api/me/api-keys/{keyId}", person.AccessToken, new { name = "renamed key" }));
        await StepAsync([AuditActions.ApiKeyRevoked], () => Send(HttpMethod.Delete, $"/api/me/api-keys/{keyId}", person.AccessToken));
        await StepAsync([AuditActions.ApiKeyRevokedUsed], () => client.GetWithApiKeyHeaderAsync("/api/me", key));

        // Administration of the person.
        await StepAsync([AuditActions.UserUpdated], () => Send(HttpMethod.Patch, $"/api/users/{personId}", admin, new { displayName = "Renamed By Admin" }));
        await StepAsync([AuditActions.PasswordResetRequested], () => Send(HttpMethod.Post, $"/api/users/{personId}/send-password-reset", admin));
        await StepAsync([AuditActions.UserLocked], () => Send(HttpMethod.Post, $"/api/users/{personId}/lock", admin));
        await StepAsync([AuditActions.UserUnlocked], () => Send(HttpMethod.Post, $"/api/users/{personId}/unlock", admin));
        var administration = factory.Services.GetRequiredService<UserAdministration>();
        await StepAsync([AuditActions.UserDisabled], () => administration.DisableAsync(personId, adminId));
        await StepAsync([AuditActions.UserEnabled], () => administration.EnableAsync(personId, adminId));
        person = await client.GetTokensAsync("emitted@example.com", Accounts.Password + "-2");
        await StepAsync([AuditActions.SessionRevoked], () => Send(HttpMethod.Post, $"/api/users/{personId}/revoke-sessions", admin));

        // System roles.
        string roleId = "";
        await StepAsync([AuditActions.RoleCreated], async () => roleId = (await Send(HttpMethod.Post, "/api/roles", admin, new { name = "Emitters", permissions = new[] { "users.read" } })).GetProperty("id").GetString()!);
        await StepAsync([AuditActions.RoleChanged], () => Send(HttpMethod.Put, $"/api/roles/{roleId}", admin, new { name = "Emitters", description = "changed", permissions = new[] { "users.read", "audit.read" } }));
        await StepAsync([AuditActions.RoleAssigned], () => Send(HttpMethod.Put, $"/api/users/{personId}/roles", admin, new { roles = new[] { "Emitters" } }));
        await StepAsync([AuditActions.RoleRemoved], () => Send(HttpMethod.Put, $"/api/users/{personId}/roles", admin, new { roles = Array.Empty<string>() }));
        await StepAsync([AuditActions.RoleDeleted], () => Send(HttpMethod.Delete, $"/api/roles/{roleId}", admin));

        // Organizations: the person owns one and invites a member.
        person = await client.GetTokensAsync("emitted@example.com", Accounts.Password + "-2");
        var member = await factory.CreateUserAsync("emitted-member@example.com");
        var memberToken = (await client.GetTokensAsync("emitted-member@example.com")).AccessToken;
        string orgId = "", orgRoleId = "";
        await StepAsync([AuditActions.OrgCreated], async () => orgId = (await Send(HttpMethod.Post, "/api/orgs", person.AccessToken, new { name = "Emitted Org" })).GetProperty("id").GetString()!);
        await StepAsync([AuditActions.OrgUpdated], () => Send(HttpMethod.Patch, $"/api/orgs/{orgId}", person.AccessToken, new { name = "Emitted Org Renamed" }));
        await StepAsync([AuditActions.OrgRoleCreated], async () => orgRoleId = (await Send(HttpMethod.Post, $"/api/orgs/{orgId}/roles", person.AccessToken, new { name = "Readers", permissions = new[] { "org.read" } })).GetProperty("id").GetString()!);
        await StepAsync([AuditActions.OrgRoleChanged], () => Send(HttpMethod.Put, $"/api/orgs/{orgId}/roles/{orgRoleId}", person.AccessToken, new { name = "Readers", permissions = new[] { "org.read", "org.members.read" } }));
        await StepAsync([AuditActions.InvitationSent], () => Send(HttpMethod.Post, $"/api/orgs/{orgId}/members", person.AccessToken, new { email = "emitted-member@example.com", role = "Readers" }));
        var token = QueryHelpers.ParseQuery(new Uri(factory.Mailbox.LinkIn("emitted-member@example.com", "You are invited")).Query)["token"].ToString();
        await StepAsync([AuditActions.InvitationAccepted, AuditActions.OrgMemberAdded], () => Send(HttpMethod.Post, "/api/invitations/accept", memberToken, new { token }));
        await StepAsync([AuditActions.OrgMemberChanged], () => Send(HttpMethod.Patch, $"/api/orgs/{orgId}/members/{member.Id}", person.AccessToken, new { role = "Member" }));
        await StepAsync([AuditActions.OrgRoleDeleted], () => Send(HttpMethod.Delete, $"/api/orgs/{orgId}/roles/{orgRoleId}", person.AccessToken));
        await StepAsync([AuditActions.OrgMemberRemoved], () => Send(HttpMethod.Delete, $"/api/orgs/{orgId}/members/{member.Id}", person.AccessToken));
        await Send(HttpMethod.Post, $"/api/orgs/{orgId}/members", person.AccessToken, new { email = "never-answers@example.com", role = "Member" });
        var invitationId = (await Send(HttpMethod.Get, $"/api/orgs/{orgId}/invitations", person.AccessToken)).GetProperty("items").EnumerateArray().Single().GetProperty("id").GetString();
        await StepAsync([AuditActions.InvitationCancelled], () => Send(HttpMethod.Delete, $"/api/orgs/{orgId}/invitations/{invitationId}", person.AccessToken));
        await StepAsync([AuditActions.OrgDeleted], () => Send(HttpMethod.Delete, $"/api/orgs/{orgId}", person.AccessToken));

        // Wrong passwords up to the limit, then the account's deletion by an administrator.
        await StepAsync([AuditActions.LockedOut], async () =>
        {
            for (var i = 0; i < 5; i++)
            {
                await client.PasswordGrantAsync("emitted-member@example.com", "wrong");
            }
        });
        await StepAsync([AuditActions.AccountDeleted], () => Send(HttpMethod.Delete, $"/api/users/{createdId}", admin));

        Assert.True(_missing.Count == 0, "Not recorded by the step that did it: " + string.Join(", ", _missing));
    }
}
