using AuthPortal.Features.Audit;

namespace AuthPortal.Tests.Reliability;

/// <summary>
/// 50 wrong passwords at once for one account, on each door a password is typed at by someone signing in: exactly
/// <c>Lockout:MaxFailedAttempts</c> (5) are checked and counted, the one that fills the count locks the account, and the
/// other 45 are refused as locked without a check. (The signed-in doors, re-entering a password, are in LockoutCounterTests.)
/// </summary>
[Trait("Category", "Reliability")]
public sealed class LockoutBurstTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    private const int Burst = 50;
    private const int Limit = 5;
    private const string Wrong = "definitely not my password";

    private async Task AssertLockedAfterExactlyTheLimitAsync(AppUser user, string door)
    {
        var (checkedAndWrong, lockedOut) = await factory.WithDbAsync(async db => (
            await db.AuditEvents.CountAsync(e => e.Action == AuditActions.SignInFailed && e.TargetId == user.Id && e.Details!.Contains("bad_password")),
            await db.AuditEvents.CountAsync(e => e.Action == AuditActions.LockedOut && e.TargetId == user.Id)));
        Assert.Equal(Limit, checkedAndWrong);
        Assert.Equal(1, lockedOut);
        Assert.True(await factory.WithDbAsync(db => db.Users.Where(u => u.Id == user.Id).Select(u => u.LockoutEnd).SingleAsync()) > DateTimeOffset.UtcNow);
        ReliabilityReport.Record("Concurrency", $"{Burst} parallel wrong passwords for one account: {door} ({TestDatabase.Name})",
            $"{Burst} requests", $"exactly {Limit} checked, then locked", $"{checkedAndWrong} checked, 1 lockout, {Burst - checkedAndWrong} refused as locked");
    }

    [Fact]
    public async Task TheTokenEndpoint()
    {
        var user = await factory.CreateUserAsync($"burst-token-{Guid.NewGuid():N}@example.com");
        var client = factory.CreatePortalClient();

        var answers = await Task.WhenAll(Enumerable.Range(0, Burst).Select(_ => Task.Run(() => client.PasswordGrantAsync(user.Email!, Wrong))));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.BadRequest, a.StatusCode));
        await AssertLockedAfterExactlyTheLimitAsync(user, "the token endpoint (password grant)");
    }

    [Fact]
    public async Task TheSignInForm()
    {
        var user = await factory.CreateUserAsync($"burst-form-{Guid.NewGuid():N}@example.com");

        var answers = await Task.WhenAll(Enumerable.Range(0, Burst).Select(_ => Task.Run(() => factory.CreatePortalClient().SignInAsync(user.Email!, Wrong))));

        Assert.DoesNotContain(answers, a => (int)a.StatusCode >= 500 || a.StatusCode == HttpStatusCode.Redirect);
        await AssertLockedAfterExactlyTheLimitAsync(user, "the sign-in form");
    }
}
