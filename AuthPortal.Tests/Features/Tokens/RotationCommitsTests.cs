using Microsoft.Extensions.Logging;

namespace AuthPortal.Tests.Features.Tokens;

/// <summary>
/// Rotations written together (group commit): each is still decided on its own, and one that fails does not take the
/// others with it.
/// </summary>
public sealed class RotationCommitsTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    private async Task<(string Raw, RefreshToken Stored)> SignedInAsync(string email)
    {
        await factory.CreateUserAsync(email);
        var raw = (await factory.CreatePortalClient().GetTokensAsync(email)).RefreshToken;
        var stored = await factory.WithDbAsync(db => db.RefreshTokens.AsNoTracking().SingleAsync(t => t.TokenHash == RefreshTokenFormat.Hash(raw)));
        return (raw, stored);
    }

    private Rotation RotationOf(RefreshToken token, Action<RefreshToken>? alter = null)
    {
        using var scope = factory.Services.CreateScope();
        var (_, replacement) = scope.ServiceProvider.GetRequiredService<TokenIssuer>().NewRefreshToken(token.SessionId, TokenScope.Parse(token.Scope));
        alter?.Invoke(replacement);
        var auditEvent = scope.ServiceProvider.GetRequiredService<AuditLog>().Prepare(new AuditRecord(AuditActions.TokenRefreshed)
        {
            TargetType = AuditTargets.Token, TargetId = replacement.Id,
        });
        return new Rotation(token.Id, token.SessionId, DateTimeOffset.UtcNow, TouchSession: false, replacement, auditEvent);
    }

    private Task<bool> StoredAsync(RefreshToken replacement) => factory.WithDbAsync(db => db.RefreshTokens.AnyAsync(t => t.Id == replacement.Id));

    private Task<int> EventsAboutAsync(RefreshToken replacement) =>
        factory.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.Action == AuditActions.TokenRefreshed && e.TargetId == replacement.Id));

    [Fact]
    public async Task EachRotationInABatchIsDecidedOnItsOwn()
    {
        var kept = await SignedInAsync("batch-kept@example.com");
        var revoked = await SignedInAsync("batch-revoked@example.com");
        var other = await SignedInAsync("batch-other@example.com");
        await factory.CreatePortalClient().PostAsync("/api/auth/revoke",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = revoked.Raw }));

        // The same token twice in one batch (two racing requests): the first consumes it, the second finds it spent.
        Rotation[] batch = [RotationOf(kept.Stored), RotationOf(revoked.Stored), RotationOf(kept.Stored), RotationOf(other.Stored)];
        await factory.Services.GetRequiredService<RotationCommits>().WriteAsync(batch);
        var outcomes = await Task.WhenAll(batch.Select(r => r.Outcome.Task));

        Assert.Equal([true, false, false, true], outcomes);
        Assert.Equal(new[] { true, false, false, true }, await Task.WhenAll(batch.Select(r => StoredAsync(r.Replacement))));
        Assert.Equal(new[] { 1, 0, 0, 1 }, await Task.WhenAll(batch.Select(r => EventsAboutAsync(r.Replacement))));
        var consumed = await factory.WithDbAsync(db => db.RefreshTokens.AsNoTracking().SingleAsync(t => t.Id == kept.Stored.Id));
        Assert.Equal(batch[0].Replacement.Id, consumed.ReplacedById);
        Assert.Null(await factory.WithDbAsync(db => db.RefreshTokens.Where(t => t.Id == revoked.Stored.Id).Select(t => t.ConsumedAt).SingleAsync()));
        Assert.True((await factory.Services.GetRequiredService<AuditLog>().VerifyAsync()).Intact);
    }

    [Fact]
    public async Task ARotationThatFailsFailsAloneAndLeavesItsTokenUnspent()
    {
        var good = await SignedInAsync("batch-good@example.com");
        var bad = await SignedInAsync("batch-bad@example.com");

        // The bad rotation's replacement collides with an existing token's hash (a unique index): its insert fails.
        Rotation[] batch = [RotationOf(good.Stored), RotationOf(bad.Stored, r => r.TokenHash = good.Stored.TokenHash)];
        await factory.Services.GetRequiredService<RotationCommits>().WriteAsync(batch);

        Assert.True(await batch[0].Outcome.Task);
        await Assert.ThrowsAnyAsync<DbUpdateException>(() => batch[1].Outcome.Task);
        Assert.True(await StoredAsync(batch[0].Replacement));
        Assert.False(await StoredAsync(batch[1].Replacement));
        Assert.Equal(0, await EventsAboutAsync(batch[1].Replacement));
        Assert.Null(await factory.WithDbAsync(db => db.RefreshTokens.Where(t => t.Id == bad.Stored.Id).Select(t => t.ConsumedAt).SingleAsync()));
        Assert.True((await factory.Services.GetRequiredService<AuditLog>().VerifyAsync()).Intact);
        // The bad token is still usable through the grant.
        Assert.Equal(HttpStatusCode.OK, (await factory.CreatePortalClient().RefreshGrantAsync(bad.Raw)).StatusCode);
    }

    [Fact]
    public async Task TheWritersOwnConnectionSeesWhatOthersCommittedBetweenItsBatches()
    {
        var first = await SignedInAsync("writer-first@example.com");
        var later = await SignedInAsync("writer-later@example.com");
        var commits = factory.Services.GetRequiredService<RotationCommits>();
        Rotation[] opening = [RotationOf(first.Stored)];
        await commits.WriteAsync(opening);
        Assert.True(await opening[0].Outcome.Task);

        // Revoked through another connection after the writer's last batch: its next batch must not consume the token.
        await factory.CreatePortalClient().PostAsync("/api/auth/revoke",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = later.Raw }));
        Rotation[] next = [RotationOf(later.Stored)];
        await commits.WriteAsync(next);

        Assert.False(await next[0].Outcome.Task);
        Assert.False(await StoredAsync(next[0].Replacement));
    }

    [Fact]
    public async Task ADisposedWriterTakesNoMoreRotationsAndKeepsWhatItWrote()
    {
        var signedIn = await SignedInAsync("writer-disposed@example.com");
        var commits = new RotationCommits(factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>(),
            factory.Services.GetRequiredService<ILogger<RotationCommits>>());
        var rotation = RotationOf(signedIn.Stored);
        Assert.True(await commits.CommitAsync(rotation));

        await commits.DisposeAsync();

        Assert.Throws<ObjectDisposedException>(() => { _ = commits.CommitAsync(RotationOf(signedIn.Stored)); });
        Assert.True(await StoredAsync(rotation.Replacement));
    }
}
