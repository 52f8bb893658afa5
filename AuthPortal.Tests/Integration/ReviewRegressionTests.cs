using System.Net;
using AuthPortal.Data;
using AuthPortal.Features.Users;
using AuthPortal.Tests.Infrastructure;
using AuthPortal.Tests.Integration.Api;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AuthPortal.Tests.Integration;

/// <summary>Holes a security review found; each test failed before its fix.</summary>
public sealed class ReviewRegressionTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    private Task<string> AdminIdAsync() => factory.WithDbAsync(db => db.Users.Where(u => u.Email == DefaultPortal.AdminEmail).Select(u => u.Id).SingleAsync());

    [Fact]
    public async Task AForgotPasswordLinkDoesNotLiftAnAdministratorsLock()
    {
        var user = await factory.CreateUserAsync("admin-locked@example.com");
        var client = factory.CreatePortalClient();
        // A reset link asked for before the lock...
        await client.SubmitAsync("/Account/ForgotPassword", "forgot-password", new Dictionary<string, string> { ["Input.Email"] = "admin-locked@example.com" });
        var link = new Uri(factory.Mailbox.LinkIn("admin-locked@example.com", "Reset your password")).PathAndQuery;
        Assert.Null(await factory.Services.GetRequiredService<UserAdministration>().LockAsync(user.Id, await AdminIdAsync()));

        // ...still resets the password, but the lock stays; and a locked account gets no new link.
        await client.SubmitAsync(link, "reset-password", new Dictionary<string, string> { ["Input.Password"] = "violet harbor quartz lantern", ["Input.ConfirmPassword"] = "violet harbor quartz lantern" });
        var before = factory.Mailbox.To("admin-locked@example.com").Count;
        await client.SubmitAsync("/Account/ForgotPassword", "forgot-password", new Dictionary<string, string> { ["Input.Email"] = "admin-locked@example.com" });

        Assert.Equal(before, factory.Mailbox.To("admin-locked@example.com").Count);
        Assert.Equal(HttpStatusCode.OK, (await client.SignInAsync("admin-locked@example.com", "violet harbor quartz lantern")).StatusCode); // generic error page, not a redirect
        Assert.True(await factory.WithDbAsync(db => db.Users.Where(u => u.Id == user.Id).Select(u => u.LockoutEnd).SingleAsync()) > DateTimeOffset.UtcNow.AddYears(1));
    }

    [Fact]
    public async Task GuessingTheCurrentPasswordThroughTheApiLocksTheAccount()
    {
        await factory.CreateUserAsync("api-guess@example.com");
        var client = factory.CreatePortalClient();
        var token = (await ApiClient.GetTokensAsync(client, "api-guess@example.com")).AccessToken;
        for (var i = 0; i < 5; i++)
        {
            await client.SendWithTokenAsync(HttpMethod.Post, "/api/me/password", token, new { currentPassword = $"guess number {i}", newPassword = "violet harbor quartz lantern" });
        }

        var right = await client.SendWithTokenAsync(HttpMethod.Post, "/api/me/password", token, new { currentPassword = Accounts.Password, newPassword = "violet harbor quartz lantern" });

        Assert.Equal(HttpStatusCode.BadRequest, right.StatusCode);
        Assert.Contains("locked", (await right.JsonAsync()).GetProperty("errors").GetProperty("currentPassword")[0].GetString());
    }

    [Fact]
    public async Task AWeakPasswordIsRefusedTheSameWayForTakenAndFreeAddresses()
    {
        await factory.CreateUserAsync("enumerate-me@example.com");
        var client = factory.CreatePortalClient();

        var taken = await client.PostAsync("/api/auth/register", System.Net.Http.Json.JsonContent.Create(new { email = "enumerate-me@example.com", password = "password1234", displayName = "X" }));
        var free = await client.PostAsync("/api/auth/register", System.Net.Http.Json.JsonContent.Create(new { email = "enumerate-free@example.com", password = "password1234", displayName = "X" }));

        Assert.Equal(HttpStatusCode.BadRequest, taken.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, free.StatusCode);
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
    public async Task ARotatedSecurityStampDoesNotSignOutTheBrowserThatMadeTheChange()
    {
        var user = await factory.CreateUserAsync("stamp@example.com");
        var client = factory.CreatePortalClient();
        await client.SignInAsync("stamp@example.com");

        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            await users.UpdateSecurityStampAsync((await users.FindByIdAsync(user.Id))!);
        }

        // Sessions, not the stamp, decide: this session was not revoked, so it keeps working.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task ADeletedAccountsSessionStopsAtOnceEvenWhenCached()
    {
        await factory.CreateUserAsync("deleted-cached@example.com");
        var client = factory.CreatePortalClient();
        var token = (await ApiClient.GetTokensAsync(client, "deleted-cached@example.com")).AccessToken;
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/api/me", token)).StatusCode); // cached as valid

        var cookieClient = factory.CreatePortalClient();
        await cookieClient.SignInAsync("deleted-cached@example.com");
        var deleted = await cookieClient.SubmitAsync("/Account/DeleteAccount", "delete-account",
            new Dictionary<string, string> { ["Input.Password"] = Accounts.Password, ["Input.Confirmation"] = "DELETE" });
        Assert.Equal(HttpStatusCode.Redirect, deleted.StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetWithTokenAsync("/api/me", token)).StatusCode);
    }
}
