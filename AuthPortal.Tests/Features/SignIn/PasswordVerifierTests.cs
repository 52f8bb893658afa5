namespace AuthPortal.Tests.Features.SignIn;

/// <summary>
/// The outcome table of the one password check every sign-in path uses (login page, token endpoint, change
/// password, re-authentication, account deletion), called directly on the real app and database.
/// </summary>
public sealed class PasswordVerifierTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    public enum Account { Normal, Locked, Disabled, Unconfirmed, Missing }

    private const string WrongPassword = "not the password at all";

    private async Task<string> PrepareAsync(Account account)
    {
        var email = $"{account}-{Guid.NewGuid():N}@example.com".ToLowerInvariant();
        if (account == Account.Missing)
        {
            return email;
        }
        var user = await factory.CreateUserAsync(email, confirmed: account != Account.Unconfirmed);
        if (account == Account.Locked)
        {
            await factory.WithDbAsync(db => db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.LockoutEnd, DateTimeOffset.UtcNow.AddHours(1))));
        }
        if (account == Account.Disabled)
        {
            await factory.WithDbAsync(db => db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.DisabledAt, DateTimeOffset.UtcNow)));
        }
        return email;
    }

    private async Task<(PasswordCheckResult Result, int FailedCount)> CheckAsync(string email, string password)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var check = await scope.ServiceProvider.GetRequiredService<PasswordVerifier>().CheckSignInAsync(email, password, SignInMethods.Password);
        var failed = await factory.WithDbAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.AccessFailedCount).SingleOrDefaultAsync());
        return (check.Result, failed);
    }

    [Theory]
    [InlineData(Account.Normal, Accounts.Password, PasswordCheckResult.Succeeded, 0)]
    [InlineData(Account.Normal, WrongPassword, PasswordCheckResult.WrongPassword, 1)]
    [InlineData(Account.Locked, Accounts.Password, PasswordCheckResult.LockedOut, 0)]
    [InlineData(Account.Locked, WrongPassword, PasswordCheckResult.LockedOut, 0)]
    [InlineData(Account.Disabled, Accounts.Password, PasswordCheckResult.Disabled, 0)]
    [InlineData(Account.Disabled, WrongPassword, PasswordCheckResult.WrongPassword, 1)]
    [InlineData(Account.Unconfirmed, Accounts.Password, PasswordCheckResult.EmailNotConfirmed, 0)]
    [InlineData(Account.Unconfirmed, WrongPassword, PasswordCheckResult.WrongPassword, 1)]
    [InlineData(Account.Missing, Accounts.Password, PasswordCheckResult.UnknownUser, 0)]
    public async Task OutcomeTable(Account account, string password, PasswordCheckResult expected, int failuresCounted)
    {
        var email = await PrepareAsync(account);

        var (result, failed) = await CheckAsync(email, password);

        Assert.Equal(expected, result);
        // A locked account does not count more failures (and does not say whether the password was right);
        // only a wrong password reveals nothing about disabled or unconfirmed accounts.
        Assert.Equal(failuresCounted, failed);
        var failures = await factory.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.Action == AuditActions.SignInFailed && e.Details!.Contains(email)));
        Assert.Equal(expected is PasswordCheckResult.Succeeded or PasswordCheckResult.UnknownUser ? 0 : 1, failures);
    }

    [Fact]
    public async Task ParallelWrongPasswordsLockAfterExactlyTheLimit()
    {
        var email = await PrepareAsync(Account.Normal);

        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Task.Run(() => CheckAsync(email, WrongPassword))));

        // Lockout:MaxFailedAttempts is 5: five checks see the password, the rest find the account locked.
        Assert.Equal(5, results.Count(r => r.Result == PasswordCheckResult.WrongPassword));
        Assert.Equal(7, results.Count(r => r.Result == PasswordCheckResult.LockedOut));
        Assert.Equal(1, await factory.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.Action == AuditActions.LockedOut
            && e.TargetId == db.Users.Where(u => u.Email == email).Select(u => u.Id).Single())));
    }

    [Fact]
    public async Task ATwoFactorAccountNeedsTheCodeAndACodeWorksOnce()
    {
        var email = await PrepareAsync(Account.Normal);
        var user = await factory.WithDbAsync(db => db.Users.SingleAsync(u => u.Email == email));
        var self = factory.Services.GetRequiredService<SelfService>();
        var setup = await self.BeginAuthenticatorSetupAsync(user.Id);
        Assert.Null((await self.EnableAuthenticatorAsync(user.Id, Totp.Code(setup.SharedKey))).Error);
        var client = factory.CreatePortalClient();

        var passwordOnly = await client.PasswordGrantAsync(email);
        var code = Totp.NextCode(setup.SharedKey);
        var withCode = await client.PasswordGrantAsync(email, otp: code);
        var replayed = await client.PasswordGrantAsync(email, otp: code);

        Assert.Equal("mfa_required", await passwordOnly.ErrorCodeAsync());
        Assert.Equal(HttpStatusCode.OK, withCode.StatusCode);
        Assert.Equal("invalid_grant", await replayed.ErrorCodeAsync());
        // The password alone did not complete a sign-in, so it opened no session.
        Assert.Equal(1, await factory.WithDbAsync(db => db.UserSessions.CountAsync(s => s.UserId == user.Id)));
    }

    [Fact]
    public async Task WhatWasTypedForAnUnknownAccountIsKeptOnlyAsAKeyedHash()
    {
        // Someone typed their password into the user-name box.
        const string typed = "my secret passphrase 1";
        await CheckAsync(typed, WrongPassword);
        await CheckAsync(typed, WrongPassword);

        var details = await factory.WithDbAsync(db => db.AuditEvents.Where(e => e.Action == AuditActions.SignInFailed && e.Details!.Contains("unknown_user"))
            .OrderByDescending(e => e.Id).Take(2).Select(e => e.Details!).ToListAsync());
        var hashes = details.Select(d => System.Text.Json.JsonDocument.Parse(d).RootElement.GetProperty("loginHash").GetString()).ToList();
        Assert.Equal(hashes[0], hashes[1]); // repeated attempts still group together
        Assert.DoesNotContain(details, d => d.Contains(typed, StringComparison.OrdinalIgnoreCase));
        // A plain SHA-256 of the text (what an offline guesser would try) is not what is stored.
        var plain = Secrets.Sha256Hex(typed.ToUpperInvariant())[..16];
        Assert.NotEqual(plain, hashes[0]);
    }
}
