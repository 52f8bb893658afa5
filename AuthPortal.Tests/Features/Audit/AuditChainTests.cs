namespace AuthPortal.Tests.Features.Audit;

public sealed class AuditChainTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    [Fact]
    public async Task AuditLogIsAHashChainThatDetectsTampering()
    {
        var audit = factory.Services.GetRequiredService<AuditLog>();
        await audit.RecordAsync(new AuditRecord("test.first") { ActorKind = Data.ActorKind.System });
        var middle = await audit.RecordAsync(new AuditRecord("test.second") { ActorKind = Data.ActorKind.System });
        await audit.RecordAsync(new AuditRecord("test.third") { ActorKind = Data.ActorKind.System });
        Assert.Null(await audit.FindFirstBrokenLinkAsync());

        await factory.WithDbAsync(db => db.AuditEvents.Where(e => e.Id == middle.Id).ExecuteUpdateAsync(s => s.SetProperty(e => e.Succeeded, false)));

        Assert.Equal(middle.Id, await audit.FindFirstBrokenLinkAsync());
        await factory.WithDbAsync(db => db.AuditEvents.Where(e => e.Id == middle.Id).ExecuteUpdateAsync(s => s.SetProperty(e => e.Succeeded, true)));
    }

    [Fact]
    public async Task ConcurrentWritersInOneProcessKeepOneUnbrokenChain()
    {
        // No in-process lock serializes appends: the write transaction does, as it must across instances.
        var audit = factory.Services.GetRequiredService<AuditLog>();
        var before = await factory.WithDbAsync(db => db.AuditEvents.CountAsync());

        var written = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            Task.Run(() => audit.RecordAsync(new AuditRecord($"test.concurrent.{i}") { ActorKind = Data.ActorKind.System }))));

        Assert.Equal(40, written.Select(e => e.Id).Distinct().Count());
        Assert.Equal(before + 40, await factory.WithDbAsync(db => db.AuditEvents.CountAsync()));
        Assert.Null(await audit.FindFirstBrokenLinkAsync());
    }

    [Fact]
    public async Task EventsAppendedToOneUnitOfWorkAreChainedInTheOrderAppendedAndOnlyIfItCommits()
    {
        var audit = factory.Services.GetRequiredService<AuditLog>();
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            audit.Append(db, new AuditRecord("test.batch.first") { ActorKind = Data.ActorKind.System });
            audit.Append(db, new AuditRecord("test.batch.second") { ActorKind = Data.ActorKind.System });
            audit.Append(db, new AuditRecord("test.batch.third") { ActorKind = Data.ActorKind.System });
            await db.SaveChangesAsync();
        }
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            // A unit of work that fails: its event is not written, and the chain does not skip a beat.
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            audit.Append(db, new AuditRecord("test.batch.rolled_back") { ActorKind = Data.ActorKind.System });
            db.UserSessions.Add(new UserSession { Id = "no-such-user-session", UserId = "no-such-user", CreatedAt = DateTimeOffset.UtcNow, LastSeenAt = DateTimeOffset.UtcNow, ExpiresAt = DateTimeOffset.UtcNow });
            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        }
        await audit.RecordAsync(new AuditRecord("test.batch.after") { ActorKind = Data.ActorKind.System });

        var actions = await factory.WithDbAsync(db => db.AuditEvents.Where(e => e.Action.StartsWith("test.batch.")).OrderBy(e => e.Id).Select(e => e.Action).ToListAsync());
        Assert.Equal(["test.batch.first", "test.batch.second", "test.batch.third", "test.batch.after"], actions);
        Assert.Null(await audit.FindFirstBrokenLinkAsync());
    }

    [Fact]
    public async Task ACancelledSaveLeavesNothingBehindAndTheSameContextSavesLater()
    {
        var audit = factory.Services.GetRequiredService<AuditLog>();
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        audit.Append(db, new AuditRecord("test.cancelled.then_saved") { ActorKind = Data.ActorKind.System });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => db.SaveChangesAsync(new CancellationToken(canceled: true)));
        Assert.Null(db.Database.CurrentTransaction);
        await db.SaveChangesAsync();

        Assert.Equal(1, await factory.WithDbAsync(d => d.AuditEvents.CountAsync(e => e.Action == "test.cancelled.then_saved")));
        Assert.Null(await audit.FindFirstBrokenLinkAsync());
    }
}
