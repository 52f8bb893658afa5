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
}
