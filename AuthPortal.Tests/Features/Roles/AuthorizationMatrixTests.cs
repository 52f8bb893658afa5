namespace AuthPortal.Tests.Features.Roles;

/// <summary>
/// Every admin route × every kind of caller. The table below holds, for each route, the permission it needs and the
/// status a caller who may use it gets (routes aim at ids that do not exist, so an allowed call changes nothing: 404, or
/// 400 for an empty body). From it each cell is fixed: anonymous 401; a caller without the permission 403 (a plain user,
/// a role holding each other permission, an Administrator's token scoped to another permission); a caller with it (a
/// role holding only that permission, an Administrator) the allowed status. Any difference fails.
/// </summary>
public sealed class AuthorizationMatrixTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    private const string Missing = "no-such-id";
    private const string SignedIn = "(signed in)";

    private static readonly (string Method, string Path, object? Body, string Permission, HttpStatusCode Allowed)[] Routes =
    [
        ("GET", "/api/users", null, Permissions.UsersRead, HttpStatusCode.OK),
        ("GET", "/api/users/export", null, Permissions.UsersRead, HttpStatusCode.OK),
        ("POST", "/api/users", new { }, Permissions.UsersWrite, HttpStatusCode.BadRequest),
        ("GET", $"/api/users/{Missing}", null, Permissions.UsersRead, HttpStatusCode.NotFound),
        ("PATCH", $"/api/users/{Missing}", new { }, Permissions.UsersWrite, HttpStatusCode.NotFound),
        ("DELETE", $"/api/users/{Missing}", null, Permissions.UsersWrite, HttpStatusCode.NotFound),
        ("PUT", $"/api/users/{Missing}/roles", new { roles = Array.Empty<string>() }, Permissions.RolesManage, HttpStatusCode.NotFound),
        ("POST", $"/api/users/{Missing}/lock", null, Permissions.UsersWrite, HttpStatusCode.NotFound),
        ("POST", $"/api/users/{Missing}/unlock", null, Permissions.UsersWrite, HttpStatusCode.NotFound),
        ("POST", $"/api/users/{Missing}/revoke-sessions", null, Permissions.UsersSessionsRevoke, HttpStatusCode.NotFound),
        ("POST", $"/api/users/{Missing}/send-password-reset", null, Permissions.UsersWrite, HttpStatusCode.NotFound),
        ("GET", $"/api/users/{Missing}/sessions", null, Permissions.UsersRead, HttpStatusCode.NotFound),
        ("GET", $"/api/users/{Missing}/permissions", null, Permissions.UsersRead, HttpStatusCode.NotFound),
        ("GET", $"/api/users/{Missing}/api-keys", null, Permissions.UsersRead, HttpStatusCode.OK),
        ("DELETE", $"/api/users/{Missing}/api-keys/{Missing}", null, Permissions.UsersWrite, HttpStatusCode.NotFound),
        ("GET", "/api/permissions", null, SignedIn, HttpStatusCode.OK),
        ("GET", "/api/roles", null, Permissions.RolesManage, HttpStatusCode.OK),
        ("POST", "/api/roles", new { }, Permissions.RolesManage, HttpStatusCode.BadRequest),
        ("GET", $"/api/roles/{Missing}", null, Permissions.RolesManage, HttpStatusCode.NotFound),
        ("PUT", $"/api/roles/{Missing}", new { name = "x" }, Permissions.RolesManage, HttpStatusCode.NotFound),
        ("DELETE", $"/api/roles/{Missing}", null, Permissions.RolesManage, HttpStatusCode.NotFound),
        ("GET", "/api/service-accounts", null, Permissions.UsersRead, HttpStatusCode.OK),
        ("POST", "/api/service-accounts", new { }, Permissions.UsersWrite, HttpStatusCode.BadRequest),
        ("GET", $"/api/service-accounts/{Missing}", null, Permissions.UsersRead, HttpStatusCode.NotFound),
        ("PATCH", $"/api/service-accounts/{Missing}", new { }, Permissions.UsersWrite, HttpStatusCode.NotFound),
        ("DELETE", $"/api/service-accounts/{Missing}", null, Permissions.UsersWrite, HttpStatusCode.NotFound),
        ("GET", $"/api/service-accounts/{Missing}/api-keys", null, Permissions.UsersRead, HttpStatusCode.NotFound),
        ("POST", $"/api/service-accounts/{Missing}/api-keys", new { name = "k", scopes = Array.Empty<string>(), expiresInDays = 7 }, Permissions.UsersWrite, HttpStatusCode.NotFound),
    ];

    private sealed record Caller(string Name, string? Token, Func<string, bool> Holds);

    private async Task<IReadOnlyList<Caller>> CallersAsync(HttpClient client)
    {
        var callers = new List<Caller> { new("anonymous", null, _ => false) };
        await factory.CreateUserAsync("matrix-plain@example.com");
        callers.Add(new("plain user", (await client.GetTokensAsync("matrix-plain@example.com")).AccessToken, p => p == SignedIn));
        foreach (var permission in Permissions.System)
        {
            var email = $"matrix-{permission.Name}@example.com";
            await factory.CreateRoleAsync($"Only {permission.Name}", permission.Name);
            var user = await factory.CreateUserAsync(email);
            await factory.AddToRoleAsync(user, $"Only {permission.Name}");
            callers.Add(new($"role with only {permission.Name}", (await client.GetTokensAsync(email)).AccessToken, p => p == SignedIn || p == permission.Name));
        }
        callers.Add(new("Administrator", (await client.GetTokensAsync(DefaultPortal.AdminEmail)).AccessToken, _ => true));
        return callers;
    }

    [Fact]
    public async Task EveryCellOfTheMatrixAnswersAsTheTableSays()
    {
        var client = factory.CreatePortalClient();
        var callers = await CallersAsync(client);
        // An Administrator's token narrowed by scope to one permission: for each route, scoped to a permission it does not need.
        var scoped = new Dictionary<string, string>();
        foreach (var permission in Permissions.System)
        {
            scoped[permission.Name] = (await client.GetTokensAsync(DefaultPortal.AdminEmail, scope: permission.Name)).AccessToken;
        }

        var differences = new List<string>();
        var cells = 0;
        foreach (var (method, path, body, needed, allowed) in Routes)
        {
            var cellCallers = callers.ToList();
            var other = needed == Permissions.AuditRead ? Permissions.UsersRead : Permissions.AuditRead;
            cellCallers.Add(new($"Administrator token scoped to {other}", scoped[other], p => p == SignedIn || p == other));
            foreach (var caller in cellCallers)
            {
                var expected = caller.Token is null ? HttpStatusCode.Unauthorized : caller.Holds(needed) ? allowed : HttpStatusCode.Forbidden;
                var response = caller.Token is null
                    ? await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = body is null ? null : JsonContent.Create(body) })
                    : await client.SendWithTokenAsync(new HttpMethod(method), path, caller.Token, body);
                cells++;
                if (response.StatusCode != expected)
                {
                    differences.Add($"{method} {path} as {caller.Name}: expected {(int)expected}, got {(int)response.StatusCode}");
                }
            }
        }

        Assert.True(cells >= Routes.Length * 10, $"only {cells} cells ran");
        Assert.True(differences.Count == 0, string.Join("\n", differences));
    }
}
