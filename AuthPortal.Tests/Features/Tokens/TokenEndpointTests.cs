using Microsoft.IdentityModel.Tokens;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AuthPortal.Tests.Features.Tokens;

public sealed class TokenEndpointTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    [Fact]
    public async Task PasswordGrantReturnsAnEs256AccessTokenAndARefreshToken()
    {
        var user = await factory.CreateUserAsync("api-user@example.com");
        var client = factory.CreatePortalClient();

        var response = await client.PasswordGrantAsync("api-user@example.com");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var body = await response.JsonAsync();
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.Equal(600, body.GetProperty("expires_in").GetInt32());
        Assert.StartsWith("rt_", body.GetProperty("refresh_token").GetString());
        var jwt = new JsonWebToken(body.GetProperty("access_token").GetString());
        Assert.Equal("ES256", jwt.Alg);
        Assert.Equal("at+jwt", jwt.Typ);
        Assert.False(string.IsNullOrEmpty(jwt.Kid));
        Assert.Equal(user.Id, jwt.Subject);
        Assert.Equal("http://localhost:5000", jwt.Issuer);
        Assert.Equal(["authportal"], jwt.Audiences);
        Assert.False(string.IsNullOrEmpty(jwt.GetClaim("sid").Value));
        Assert.False(string.IsNullOrEmpty(jwt.Id));
        Assert.Equal(TimeSpan.FromMinutes(10), jwt.ValidTo - jwt.IssuedAt);
        // Refresh tokens are stored only as hashes.
        var raw = body.GetProperty("refresh_token").GetString()!;
        Assert.False(await factory.WithDbAsync(db => db.RefreshTokens.AnyAsync(t => t.TokenHash == raw)));
    }

    [Fact]
    public async Task JsonBodiesWorkLikeForms()
    {
        await factory.CreateUserAsync("json-grant@example.com");
        var response = await factory.CreatePortalClient().PostAsJsonAsync("/api/auth/token",
            new { grant_type = "password", username = "json-grant@example.com", password = Accounts.Password });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("{}", "invalid_request")]
    [InlineData("{\"grant_type\":\"client_secret_jwt\"}", "unsupported_grant_type")]
    [InlineData("{\"grant_type\":\"password\",\"username\":\"x@example.com\"}", "invalid_request")]
    [InlineData("{\"grant_type\":\"refresh_token\"}", "invalid_request")]
    [InlineData("[1,2]", "invalid_request")]
    [InlineData("not json", "invalid_request")]
    public async Task MalformedRequestsGetRfc6749Errors(string body, string error)
    {
        var response = await factory.CreatePortalClient().PostAsync("/api/auth/token", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(error, await response.ErrorCodeAsync());
    }

    [Fact]
    public async Task WrongPasswordUnknownUserLockedDisabledAndUnconfirmedAreTheSameInvalidGrant()
    {
        var target = await factory.CreateUserAsync("grant-target@example.com");
        var locked = await factory.CreateUserAsync("grant-locked@example.com");
        var disabled = await factory.CreateUserAsync("grant-disabled@example.com");
        await factory.CreateUserAsync("grant-unconfirmed@example.com", confirmed: false);
        await factory.WithDbAsync(db => db.Users.Where(u => u.Id == locked.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.LockoutEnd, DateTimeOffset.UtcNow.AddHours(1))));
        await factory.WithDbAsync(db => db.Users.Where(u => u.Id == disabled.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.DisabledAt, DateTimeOffset.UtcNow)));
        var client = factory.CreatePortalClient();

        var wrong = await client.PasswordGrantAsync("grant-target@example.com", "wrong password!");
        var unknown = await client.PasswordGrantAsync("nobody-here@example.com");
        var lockedOut = await client.PasswordGrantAsync("grant-locked@example.com");
        var disabledAccount = await client.PasswordGrantAsync("grant-disabled@example.com");
        var unconfirmed = await client.PasswordGrantAsync("grant-unconfirmed@example.com");

        Assert.Equal("invalid_grant", await wrong.ErrorCodeAsync());
        foreach (var other in new[] { unknown, lockedOut, disabledAccount, unconfirmed })
        {
            await SameAnswer.AssertAsync(wrong, other);
        }
        Assert.False(await factory.WithDbAsync(db => db.UserSessions.AnyAsync(s => s.UserId == target.Id)));
    }

    [Fact]
    public async Task FailuresCountTowardLockoutHereToo()
    {
        await factory.CreateUserAsync("api-lockout@example.com");
        var client = factory.CreatePortalClient();
        for (var i = 0; i < 5; i++)
        {
            await client.PasswordGrantAsync("api-lockout@example.com", $"wrong {i}");
        }

        var right = await client.PasswordGrantAsync("api-lockout@example.com");

        Assert.Equal("invalid_grant", await right.ErrorCodeAsync());
        Assert.NotNull(await factory.WithDbAsync(db => db.Users.Where(u => u.Email == "api-lockout@example.com").Select(u => u.LockoutEnd).SingleAsync()));
    }

    [Fact]
    public async Task TwoFactorUsersNeedTheOtp()
    {
        var user = await factory.CreateUserAsync("api-2fa@example.com");
        var self = factory.Services.GetRequiredService<SelfService>();
        var setup = await self.BeginAuthenticatorSetupAsync(user.Id);
        await self.EnableAuthenticatorAsync(user.Id, Totp.Code(setup.SharedKey));
        var client = factory.CreatePortalClient();

        var withoutOtp = await client.PasswordGrantAsync("api-2fa@example.com");
        var wrongOtp = await client.PasswordGrantAsync("api-2fa@example.com", otp: "000000");
        var code = Totp.NextCode(setup.SharedKey);
        var rightOtp = await client.PasswordGrantAsync("api-2fa@example.com", otp: code);
        // The same code again, still inside its validity window: refused (no replay), also written another way.
        var replay = await client.PasswordGrantAsync("api-2fa@example.com", otp: code);
        var respelled = await client.PasswordGrantAsync("api-2fa@example.com", otp: $"{code[..3]} {code[3..]}");

        Assert.Equal("mfa_required", await withoutOtp.ErrorCodeAsync());
        Assert.Equal("invalid_grant", await wrongOtp.ErrorCodeAsync());
        Assert.Equal(HttpStatusCode.OK, rightOtp.StatusCode);
        Assert.Equal("invalid_grant", await replay.ErrorCodeAsync());
        Assert.Equal("invalid_grant", await respelled.ErrorCodeAsync());
        var failures = await factory.WithDbAsync(db => db.AuditEvents.Where(e => e.TargetId == user.Id && e.Action == AuditActions.SignInFailed).Select(e => e.Details!).ToListAsync());
        Assert.Equal(3, failures.Count(d => d.Contains("bad_totp", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ScopeNarrowsToWhatTheUserHoldsAndUnknownScopesAreRefused()
    {
        var client = factory.CreatePortalClient();
        var admin = await client.GetTokensAsync(DefaultPortal.AdminEmail, scope: "users.read");
        var unknown = await client.PasswordGrantAsync(DefaultPortal.AdminEmail, scope: "users.read everything");
        await factory.CreateUserAsync("scope-plain@example.com");
        var plain = await client.GetTokensAsync("scope-plain@example.com", scope: "users.read");

        Assert.Equal("users.read", admin.Scope);
        Assert.Equal("invalid_scope", await unknown.ErrorCodeAsync());
        Assert.Equal("", plain.Scope);
        var me = await (await client.GetWithTokenAsync("/api/me", admin.AccessToken)).JsonAsync();
        Assert.Equal(["users.read"], me.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()));
    }

    [Fact]
    public async Task DiscoveryDocumentsDescribeTheIssuerAndKeys()
    {
        var client = factory.CreatePortalClient();
        var config = await (await client.GetAsync("/.well-known/openid-configuration")).JsonAsync();
        var jwks = await (await client.GetAsync("/.well-known/jwks.json")).JsonAsync();

        Assert.Equal("http://localhost:5000", config.GetProperty("issuer").GetString());
        Assert.Equal("http://localhost:5000/.well-known/jwks.json", config.GetProperty("jwks_uri").GetString());
        Assert.Equal("http://localhost:5000/api/auth/token", config.GetProperty("token_endpoint").GetString());
        var key = Assert.Single(jwks.GetProperty("keys").EnumerateArray());
        Assert.Equal("EC", key.GetProperty("kty").GetString());
        Assert.Equal("P-256", key.GetProperty("crv").GetString());
        Assert.False(key.TryGetProperty("d", out _), "the private key must never be published");
    }

    [Theory]
    [InlineData("application/json", "{\"grant_type\":\"password\",\"grant_type\":\"refresh_token\"}")]
    [InlineData("application/x-www-form-urlencoded", "grant_type=password&grant_type=refresh_token&username=a&password=b")]
    [InlineData("multipart/form-data; boundary=broken", "--broken\r\nnot a part")]
    public async Task AmbiguousOrBrokenTokenRequestsAre400NotServerErrors(string contentType, string body)
    {
        var content = new StringContent(body);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);

        var response = await factory.CreatePortalClient().PostAsync("/api/auth/token", content);

        // A client mistake, never a server error: 400 invalid_request, or 415 for a body type the endpoint does not take.
        if (contentType.StartsWith("multipart", StringComparison.Ordinal))
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
            return;
        }
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request", await response.ErrorCodeAsync());
    }

    [Fact]
    public async Task AnOutsideServiceValidatesATokenWithOnlyTheJwks()
    {
        var client = factory.CreatePortalClient();
        var token = (await client.GetTokensAsync(DefaultPortal.AdminEmail)).AccessToken;
        var configuration = await (await client.GetAsync("/.well-known/openid-configuration")).JsonAsync();
        var jwksJson = await client.GetStringAsync(new Uri(configuration.GetProperty("jwks_uri").GetString()!).PathAndQuery);

        // What another service does: no shared secret, no call back to AuthPortal beyond the JWKS.
        var keys = new JsonWebKeySet(jwksJson).GetSigningKeys();
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = configuration.GetProperty("issuer").GetString(),
            ValidAudience = "authportal",
            IssuerSigningKeys = keys,
            ValidAlgorithms = ["ES256"],
            ValidTypes = ["at+jwt"],
        });

        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal("Administrator", (await (await client.GetWithTokenAsync("/api/me", token)).JsonAsync()).GetProperty("displayName").GetString());
    }

    [Theory]
    [InlineData("""{"grant_type":"password","username":"scoped@example.com","password":"correct horse battery staple","scope":["users.read"]}""", "scope must be a string.")]
    [InlineData("""{"grant_type":"password","username":"scoped@example.com","password":"correct horse battery staple","scope":null}""", "scope must be a string.")]
    [InlineData("""{"grant_type":"password","username":"scoped@example.com","password":"correct horse battery staple","scope":7}""", "scope must be a string.")]
    [InlineData("""{"grant_type":"password","username":"scoped@example.com","password":"correct horse battery staple","scope":"  "}""", "scope is empty")]
    public async Task AScopeThatIsNotAStringOrIsBlankIsRefusedNotWidenedToEverything(string json, string description)
    {
        if (await factory.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == "scoped@example.com")) is false)
        {
            await factory.CreateUserAsync("scoped@example.com");
        }

        var response = await factory.CreatePortalClient().PostAsync("/api/auth/token", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        var body = await response.JsonAsync();
        Assert.Equal("invalid_request", body.GetProperty("error").GetString());
        Assert.Contains(description, body.GetProperty("error_description").GetString());
    }

    [Fact]
    public async Task ApiLogoutEndsTheSessionAndIsRecordedLikeABrowsersSignOut()
    {
        var user = await factory.CreateUserAsync("api-leaver@example.com");
        var client = factory.CreatePortalClient();
        var token = (await client.GetTokensAsync("api-leaver@example.com")).AccessToken;

        var logout = await client.SendWithTokenAsync(HttpMethod.Post, "/api/auth/logout", token);

        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithTokenAsync("/api/me", token)).StatusCode);
        Assert.True(await factory.WithDbAsync(db => db.AuditEvents.AnyAsync(e => e.Action == AuditActions.SignedOut && e.ActorUserId == user.Id)));
    }
}
