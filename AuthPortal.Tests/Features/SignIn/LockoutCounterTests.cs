namespace AuthPortal.Tests.Features.SignIn;

/// <summary>
/// Every path that checks a password goes through the one verifier and its database count: of a burst of parallel
/// wrong passwords exactly Lockout:MaxFailedAttempts (5) are checked, and the one that fills the count locks the account.
/// </summary>
public sealed class LockoutCounterTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    private const string Wrong = "definitely not my password";
    private const string NotRight = "is not right";
    private const string Locked = "Too many wrong passwords";

    private async Task AssertLockedAfterExactlyTheLimitAsync(string userId, IReadOnlyList<string> answers)
    {
        Assert.Equal(20, answers.Count);
        Assert.Equal(5, answers.Count(a => a.Contains(NotRight, StringComparison.Ordinal)));
        Assert.Equal(15, answers.Count(a => a.Contains(Locked, StringComparison.Ordinal)));
        Assert.Equal(1, await factory.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.Action == AuditActions.LockedOut && e.TargetId == userId)));
    }

    [Fact]
    public async Task ChangingThePasswordThroughTheApi()
    {
        var user = await factory.CreateUserAsync("api-burst@example.com");
        var client = factory.CreatePortalClient();
        var token = (await client.GetTokensAsync("api-burst@example.com")).AccessToken;

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(async () =>
            await (await client.SendWithTokenAsync(HttpMethod.Post, "/api/me/password", token,
                new { currentPassword = Wrong, newPassword = "violet harbor quartz lantern" })).Content.ReadAsStringAsync())));

        await AssertLockedAfterExactlyTheLimitAsync(user.Id, answers);
    }

    [Theory]
    [InlineData("/Account/Reauthenticate", "reauthenticate")]
    [InlineData("/Account/DeleteAccount", "delete-account")]
    public async Task ConfirmingItIsYouOnAPage(string page, string form)
    {
        var email = $"page-burst-{form}@example.com";
        var user = await factory.CreateUserAsync(email);
        var client = factory.CreatePortalClient();
        await client.SignInAsync(email);

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(async () =>
            await (await client.SubmitAsync(page, form, new Dictionary<string, string>
            {
                ["Input.Password"] = Wrong,
                ["Input.Confirmation"] = "DELETE",
            })).TextAsync())));

        await AssertLockedAfterExactlyTheLimitAsync(user.Id, answers);
        Assert.True(await factory.WithDbAsync(db => db.Users.AnyAsync(u => u.Id == user.Id)));
    }
}
