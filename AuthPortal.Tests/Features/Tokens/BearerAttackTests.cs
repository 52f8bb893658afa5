using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AuthPortal.Tests.Features.Tokens;

/// <summary>Every way a forged, stale or misused token can reach /api gets 401.</summary>
public sealed class BearerAttackTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    private static string B64(object json) => Base64UrlEncoder.Encode(JsonSerializer.Serialize(json));

    private async Task<(HttpClient Client, ApiClient.Tokens Tokens, JsonWebToken Jwt)> SignedInAsync(string email)
    {
        await factory.CreateUserAsync(email);
        var client = factory.CreatePortalClient();
        var tokens = await client.GetTokensAsync(email);
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/api/me", tokens.AccessToken)).StatusCode);
        return (client, tokens, new JsonWebToken(tokens.AccessToken));
    }

    /// <summary>A token signed with the portal's real key, with whatever claims and header the attack needs.</summary>
    private async Task<string> SignWithRealKeyAsync(Action<SecurityTokenDescriptor> shape, JsonWebToken template)
    {
        var credentials = await factory.Services.GetRequiredService<SigningKeyRing>().GetSigningCredentialsAsync();
        var now = DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = template.Issuer,
            Audience = template.Audiences.Single(),
            TokenType = "at+jwt",
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(10),
            SigningCredentials = credentials,
            Claims = new Dictionary<string, object> { ["sub"] = template.Subject, ["sid"] = template.GetClaim("sid").Value, ["scope"] = "", ["jti"] = Guid.NewGuid().ToString("N") },
        };
        shape(descriptor);
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    private static async Task AssertRejectedAsync(HttpClient client, string token)
    {
        var response = await client.GetWithTokenAsync("/api/me", token);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task AControlTokenMadeTheSameWayIsAccepted()
    {
        // Proves the forging helper is right, so the rejections below are about the attack, not the helper.
        var (client, _, jwt) = await SignedInAsync("attack-control@example.com");
        var token = await SignWithRealKeyAsync(_ => { }, jwt);
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/api/me", token)).StatusCode);
    }

    [Fact]
    public async Task AlgNoneIsRejected()
    {
        var (client, tokens, jwt) = await SignedInAsync("attack-none@example.com");
        var parts = tokens.AccessToken.Split('.');
        await AssertRejectedAsync(client, $"{B64(new { alg = "none", typ = "at+jwt" })}.{parts[1]}.");
        await AssertRejectedAsync(client, $"{B64(new { alg = "none", typ = "at+jwt", kid = jwt.Kid })}.{parts[1]}.{parts[2]}");
    }

    [Fact]
    public async Task AStrippedOrTamperedSignatureIsRejected()
    {
        var (client, tokens, _) = await SignedInAsync("attack-tamper@example.com");
        var parts = tokens.AccessToken.Split('.');
        var payload = JsonSerializer.Deserialize<Dictionary<string, object>>(Base64UrlEncoder.Decode(parts[1]))!;
        payload["sub"] = "someone-else";

        await AssertRejectedAsync(client, $"{parts[0]}.{parts[1]}.");
        await AssertRejectedAsync(client, $"{parts[0]}.{parts[1]}");
        await AssertRejectedAsync(client, $"{parts[0]}.{B64(payload)}.{parts[2]}");
    }

    [Fact]
    public async Task Hs256SignedWithThePublicKeyIsRejected()
    {
        var (client, tokens, jwt) = await SignedInAsync("attack-hs256@example.com");
        var jwks = await (await client.GetAsync("/.well-known/jwks.json")).JsonAsync();
        var publicJwk = jwks.GetProperty("keys")[0].GetRawText();
        var parts = tokens.AccessToken.Split('.');
        var header = B64(new { alg = "HS256", typ = "at+jwt", kid = jwt.Kid });
        var signature = Base64UrlEncoder.Encode(HMACSHA256.HashData(Encoding.UTF8.GetBytes(publicJwk), Encoding.ASCII.GetBytes($"{header}.{parts[1]}")));

        await AssertRejectedAsync(client, $"{header}.{parts[1]}.{signature}");
    }

    [Fact]
    public async Task AKeyNotInTheJwksIsRejectedEvenWhenTheHeaderPointsAtIt()
    {
        var (client, _, jwt) = await SignedInAsync("attack-foreign-key@example.com");
        using var attackerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var attacker = new ECDsaSecurityKey(attackerKey) { KeyId = "attacker" };
        var parameters = attackerKey.ExportParameters(false);
        var attackerJwk = new Dictionary<string, string> { ["kty"] = "EC", ["crv"] = "P-256", ["x"] = Base64UrlEncoder.Encode(parameters.Q.X), ["y"] = Base64UrlEncoder.Encode(parameters.Q.Y), ["kid"] = "attacker" };

        var plain = Forge(jwt, attacker, extraHeader: null);
        var withJku = Forge(jwt, attacker, new Dictionary<string, object> { ["jku"] = "https://attacker.example/jwks.json" });
        var withX5u = Forge(jwt, attacker, new Dictionary<string, object> { ["x5u"] = "https://attacker.example/cert.pem" });
        var withJwk = Forge(jwt, attacker, new Dictionary<string, object> { ["jwk"] = attackerJwk });
        var withRealKid = Forge(jwt, new ECDsaSecurityKey(attackerKey) { KeyId = jwt.Kid }, null);

        foreach (var token in new[] { plain, withJku, withX5u, withJwk, withRealKid })
        {
            await AssertRejectedAsync(client, token);
        }
    }

    private static string Forge(JsonWebToken template, SecurityKey key, IDictionary<string, object>? extraHeader)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = template.Issuer, Audience = template.Audiences.Single(), TokenType = "at+jwt",
            IssuedAt = now, NotBefore = now, Expires = now.AddMinutes(10),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.EcdsaSha256),
            AdditionalHeaderClaims = extraHeader,
            Claims = new Dictionary<string, object> { ["sub"] = template.Subject, ["sid"] = template.GetClaim("sid").Value, ["scope"] = "" },
        });
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("' OR 1=1 --")]
    [InlineData("%2e%2e%2fkeys")]
    [InlineData("")]
    public async Task AKidWithPathOrSqlCharactersIsJustAnUnknownKey(string kid)
    {
        var (client, _, jwt) = await SignedInAsync($"attack-kid-{Guid.NewGuid():N}@example.com");
        var credentials = await factory.Services.GetRequiredService<SigningKeyRing>().GetSigningCredentialsAsync();
        var realKey = (ECDsaSecurityKey)credentials.Key;
        var token = Forge(jwt, new ECDsaSecurityKey(realKey.ECDsa) { KeyId = kid }, null);

        await AssertRejectedAsync(client, token);
    }

    [Fact]
    public async Task ExpiredNotYetValidWrongIssuerAudienceAndTypeAreRejected()
    {
        var (client, _, jwt) = await SignedInAsync("attack-claims@example.com");
        var now = DateTime.UtcNow;

        var expired = await SignWithRealKeyAsync(d => { d.IssuedAt = now.AddMinutes(-20); d.NotBefore = now.AddMinutes(-20); d.Expires = now.AddMinutes(-5); }, jwt);
        var notYet = await SignWithRealKeyAsync(d => { d.NotBefore = now.AddMinutes(5); d.Expires = now.AddMinutes(15); }, jwt);
        var wrongIssuer = await SignWithRealKeyAsync(d => d.Issuer = "https://evil.example", jwt);
        var wrongAudience = await SignWithRealKeyAsync(d => d.Audience = "someone-else", jwt);
        var wrongType = await SignWithRealKeyAsync(d => d.TokenType = "JWT", jwt);
        var noExpiry = await SignWithRealKeyAsync(d => { d.Expires = null; }, jwt);

        foreach (var token in new[] { expired, notYet, wrongIssuer, wrongAudience, wrongType })
        {
            await AssertRejectedAsync(client, token);
        }
        Assert.DoesNotContain("\"exp\"", Base64UrlEncoder.Decode(noExpiry.Split('.')[1]));
        await AssertRejectedAsync(client, noExpiry);
    }

    [Fact]
    public async Task ARefreshTokenIsNotAnAccessToken()
    {
        var (client, tokens, _) = await SignedInAsync("attack-refresh-as-access@example.com");
        await AssertRejectedAsync(client, tokens.RefreshToken);
    }

    [Fact]
    public async Task TokensStopWorkingAfterLogoutRevocationAndPasswordChange()
    {
        var (client, afterLogout, _) = await SignedInAsync("attack-after@example.com");
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendWithTokenAsync(HttpMethod.Post, "/api/auth/logout", afterLogout.AccessToken)).StatusCode);
        await AssertRejectedAsync(client, afterLogout.AccessToken);

        var revoked = await client.GetTokensAsync("attack-after@example.com");
        var keeper = await client.GetTokensAsync("attack-after@example.com");
        var revokedSid = new JsonWebToken(revoked.AccessToken).GetClaim("sid").Value;
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendWithTokenAsync(HttpMethod.Delete, $"/api/me/sessions/{revokedSid}", keeper.AccessToken)).StatusCode);
        await AssertRejectedAsync(client, revoked.AccessToken);

        var other = await client.GetTokensAsync("attack-after@example.com");
        var change = await client.SendWithTokenAsync(HttpMethod.Post, "/api/me/password", keeper.AccessToken,
            new { currentPassword = Accounts.Password, newPassword = "violet harbor quartz lantern" });
        Assert.Equal(HttpStatusCode.NoContent, change.StatusCode);
        await AssertRejectedAsync(client, other.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/api/me", keeper.AccessToken)).StatusCode);
    }

    [Fact]
    public async Task ACookieAloneGets401OnTheApi()
    {
        await factory.CreateUserAsync("cookie-on-api@example.com");
        var client = factory.CreatePortalClient();
        await Accounts.SignInAsync(client, "cookie-on-api@example.com");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode); // the cookie works for the UI

        var response = await client.GetAsync("/api/me");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task ATokenInTheQueryStringIsIgnored()
    {
        var (client, tokens, _) = await SignedInAsync("attack-query@example.com");

        var response = await client.GetAsync($"/api/me?access_token={tokens.AccessToken}");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task ACriticalHeaderTheServerDoesNotUnderstandIsRejected()
    {
        var (client, _, jwt) = await SignedInAsync("attack-crit@example.com");

        var token = await SignWithRealKeyAsync(d => d.AdditionalHeaderClaims = new Dictionary<string, object>
        {
            ["crit"] = new[] { "urn:example:must-check" }, ["urn:example:must-check"] = true,
        }, jwt);

        await AssertRejectedAsync(client, token);
    }

    [Theory]
    [InlineData("exp-as-string")]
    [InlineData("sid-array")]
    [InlineData("sub-array")]
    [InlineData("scope-array")]
    public async Task DatesMustBeNumbersAndClaimsSingleStrings(string attack)
    {
        var (client, _, jwt) = await SignedInAsync($"attack-{attack}@example.com");
        var sid = jwt.GetClaim("sid").Value;

        var token = await SignWithRealKeyAsync(d =>
        {
            switch (attack)
            {
                case "exp-as-string":
                    d.Claims["exp"] = (d.Expires!.Value - DateTime.UnixEpoch).TotalSeconds.ToString("F0", System.Globalization.CultureInfo.InvariantCulture);
                    d.Expires = null;
                    break;
                case "sid-array":
                    d.Claims["sid"] = new[] { sid, sid };
                    break;
                case "sub-array":
                    d.Claims["sub"] = new[] { jwt.Subject, jwt.Subject };
                    break;
                case "scope-array":
                    d.Claims["scope"] = new[] { "users.read", "users.write" };
                    break;
            }
        }, jwt);

        await AssertRejectedAsync(client, token);
    }
}
