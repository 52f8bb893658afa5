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
    public async Task VerificationNamesAnEditedADeletedAndAnInsertedRowAndAFixedUpHashDoesNotHelp()
    {
        using var portal = new PortalFactory(null, PortalSettings.WithAdministrator(DefaultPortal.AdminEmail));
        var audit = portal.Services.GetRequiredService<AuditLog>();
        var events = new List<AuditEvent>();
        for (var i = 0; i < 5; i++)
        {
            events.Add(await audit.RecordAsync(new AuditRecord($"test.verify.{i}") { ActorKind = ActorKind.System }));
        }
        Assert.True((await audit.VerifyAsync()).Intact);

        // Edited, with the hash recomputed the old way (plain SHA-256, no key): still caught.
        var edited = events[1];
        await portal.WithDbAsync(db => db.AuditEvents.Where(e => e.Id == edited.Id).ExecuteUpdateAsync(s => s
            .SetProperty(e => e.Action, "test.forged").SetProperty(e => e.Hash, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("forged"u8)))));
        var afterEdit = await audit.VerifyAsync();
        Assert.Equal(edited.Id, afterEdit.BrokenAtId);
        Assert.Contains("edited", afterEdit.Problem);
        await portal.WithDbAsync(db => db.AuditEvents.Where(e => e.Id == edited.Id).ExecuteUpdateAsync(s => s.SetProperty(e => e.Action, edited.Action).SetProperty(e => e.Hash, edited.Hash)));
        Assert.True((await audit.VerifyAsync()).Intact);

        // Deleted: the next row's link no longer meets the one before it.
        var deleted = events[2];
        await portal.WithDbAsync(db => db.AuditEvents.Where(e => e.Id == deleted.Id).ExecuteDeleteAsync());
        var afterDelete = await audit.VerifyAsync();
        Assert.Equal(events[3].Id, afterDelete.BrokenAtId);
        Assert.Contains("deleted", afterDelete.Problem);
        await portal.WithDbAsync(db => db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT INTO \"AuditEvents\" (\"Id\", \"OccurredAt\", \"Action\", \"ActorUserId\", \"ActorKind\", \"TargetType\", \"TargetId\", \"OrganizationId\", \"IpAddress\", \"UserAgent\", \"Succeeded\", \"Details\", \"PreviousHash\", \"Hash\") VALUES ({deleted.Id}, {deleted.OccurredAt.UtcTicks}, {deleted.Action}, {deleted.ActorUserId}, {deleted.ActorKind.ToString()}, {deleted.TargetType}, {deleted.TargetId}, {deleted.OrganizationId}, {deleted.IpAddress}, {deleted.UserAgent}, {deleted.Succeeded}, {deleted.Details}, {deleted.PreviousHash}, {deleted.Hash})"));
        Assert.True((await audit.VerifyAsync()).Intact);

        // Inserted at the end, linked correctly but without the key: caught.
        var last = events[^1];
        await portal.WithDbAsync(db => db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT INTO \"AuditEvents\" (\"Id\", \"OccurredAt\", \"Action\", \"ActorKind\", \"Succeeded\", \"PreviousHash\", \"Hash\") VALUES ({last.Id + 1000}, {last.OccurredAt.UtcTicks}, {"user.role_granted"}, {"System"}, {true}, {last.Hash}, {new string('a', 64)})"));
        var afterInsert = await audit.VerifyAsync();
        Assert.Equal(last.Id + 1000, afterInsert.BrokenAtId);
    }

    [Fact]
    public async Task ConcurrentWritersInOneProcessKeepOneUnbrokenChain()
    {
        // No in-process lock serializes appends: the write transaction does, as it must across instances.
        var audit = factory.Services.GetRequiredService<AuditLog>();
        var before = await factory.WithDbAsync(db => db.AuditEvents.CountAsync());

        var written = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            Task.Run(() => audit.RecordAsync(new AuditRecord($"test.concurrent.{i}") { ActorKind = Data.ActorKind.System }))));

        Assert.Equal(50, written.Select(e => e.Id).Distinct().Count());
        Assert.Equal(before + 50, await factory.WithDbAsync(db => db.AuditEvents.CountAsync()));
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

    [Fact]
    public async Task AChangeAndItsEventCommitTogetherOrNotAtAll()
    {
        using var portal = new PortalFactory(null, PortalSettings.WithAdministrator(DefaultPortal.AdminEmail));
        var user = await portal.CreateUserAsync("both-or-neither@example.com");
        var self = portal.Services.GetRequiredService<SelfService>();
        var eventsBefore = await portal.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.Action == AuditActions.ProfileUpdated && e.TargetId == user.Id));

        // A fault inside the write (a trigger refusing the new name) leaves neither the change nor its event.
        await DatabaseFaults.RefuseAsync(portal, "refuse_name", "UPDATE OF \"DisplayName\"", "AspNetUsers", "NEW.\"DisplayName\" = 'Refused Name'");
        await Assert.ThrowsAnyAsync<Exception>(() => self.UpdateProfileAsync(user.Id, "Refused Name", "UTC"));
        Assert.Equal(eventsBefore, await portal.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.Action == AuditActions.ProfileUpdated && e.TargetId == user.Id)));
        Assert.NotEqual("Refused Name", await portal.WithDbAsync(db => db.Users.Where(u => u.Id == user.Id).Select(u => u.DisplayName).SingleAsync()));

        // Without the fault, both land.
        Assert.Empty(await self.UpdateProfileAsync(user.Id, "Accepted Name", "UTC"));
        Assert.Equal(eventsBefore + 1, await portal.WithDbAsync(db => db.AuditEvents.CountAsync(e => e.Action == AuditActions.ProfileUpdated && e.TargetId == user.Id)));
        Assert.True((await portal.Services.GetRequiredService<AuditLog>().VerifyAsync()).Intact);
    }
}
