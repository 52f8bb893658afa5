using System.Text.Json;

namespace AuthPortal.Tests.Features.SignIn;

/// <summary>The emailed-link flows over the API, as a script or an app uses them.</summary>
public sealed class AccountLinksApiTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    private static (string UserId, string Code) Parts(string link)
    {
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri(link).Query);
        return (query["userId"].ToString(), query["code"].ToString());
    }

    [Fact]
    public async Task ForgotThenResetThePasswordThroughTheApi()
    {
        await factory.CreateUserAsync("api-forgetful@example.com");
        var client = factory.CreatePortalClient();

        var known = await client.PostAsJsonAsync("/api/auth/forgot-password", new { email = "api-forgetful@example.com" });
        var unknown = await client.PostAsJsonAsync("/api/auth/forgot-password", new { email = "api-nobody@example.com" });
        Assert.Equal(HttpStatusCode.Accepted, known.StatusCode);
        await SameAnswer.AssertAsync(known, unknown);

        var (userId, code) = Parts(factory.Mailbox.LinkIn("api-forgetful@example.com", "Reset your password"));
        var weak = await client.PostAsJsonAsync("/api/auth/reset-password", new { userId, code, newPassword = "password1234" });
        var reset = await client.PostAsJsonAsync("/api/auth/reset-password", new { userId, code, newPassword = "violet harbor quartz lantern" });
        var again = await client.PostAsJsonAsync("/api/auth/reset-password", new { userId, code, newPassword = "another quite long passphrase" });

        Assert.True((await weak.JsonAsync()).GetProperty("errors").TryGetProperty("newPassword", out _));
        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        Assert.True((await again.JsonAsync()).GetProperty("errors").TryGetProperty("code", out _)); // a link works once
        Assert.Equal(HttpStatusCode.OK, (await client.PasswordGrantAsync("api-forgetful@example.com", "violet harbor quartz lantern")).StatusCode);
    }

    [Fact]
    public async Task ResendAndConfirmThroughTheApiThenChooseThePassword()
    {
        await factory.CreateUserAsync("api-unconfirmed@example.com", confirmed: false);
        var client = factory.CreatePortalClient();

        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/auth/resend-confirmation", new { email = "api-unconfirmed@example.com" })).StatusCode);
        var (userId, code) = Parts(factory.Mailbox.LinkIn("api-unconfirmed@example.com", "Confirm your email"));
        var bad = await client.PostAsJsonAsync("/api/auth/confirm-email", new { userId, code = "not-the-code" });
        var confirmed = await client.PostAsJsonAsync("/api/auth/confirm-email", new { userId, code });

        Assert.True((await bad.JsonAsync()).GetProperty("errors").TryGetProperty("code", out _));
        var body = await confirmed.JsonAsync();
        // Not confirmed in the browser that registered: the account's password is the mailbox owner's to choose.
        Assert.Equal("choose_password", body.GetProperty("status").GetString());
        var chosen = await client.PostAsJsonAsync("/api/auth/reset-password", new { userId, code = body.GetProperty("resetCode").GetString(), newPassword = "violet harbor quartz lantern" });
        Assert.Equal(HttpStatusCode.NoContent, chosen.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PasswordGrantAsync("api-unconfirmed@example.com", "violet harbor quartz lantern")).StatusCode);
    }

    [Fact]
    public async Task ABadEmailIsAFieldErrorAndUnknownFieldsAreRefused()
    {
        var client = factory.CreatePortalClient();

        var bad = await client.PostAsJsonAsync("/api/auth/forgot-password", new { email = "not-an-address" });
        var extra = await client.PostAsJsonAsync("/api/auth/resend-confirmation", new { email = "x@example.com", admin = true });

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await bad.JsonAsync()).GetProperty("errors").TryGetProperty("email", out _));
        Assert.True((await extra.JsonAsync()).GetProperty("errors").TryGetProperty("admin", out _));
    }
}
