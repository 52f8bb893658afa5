namespace AuthPortal.Tests.Features.Roles;

/// <summary>Role changes are announced when committed (not before: a cache refilled then would keep the old rows).</summary>
public sealed class PermissionChangeTrackingTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    [Fact]
    public async Task ARoleAssignmentInATransactionIsAnnouncedOnceCommitted()
    {
        await factory.CreateRoleAsync("Announced", Permissions.AuditRead);
        var user = await factory.CreateUserAsync("announced@example.com");
        var adminId = await factory.WithDbAsync(db => db.Users.Where(u => u.Email == DefaultPortal.AdminEmail).Select(u => u.Id).SingleAsync());
        var heard = new System.Collections.Concurrent.ConcurrentQueue<(PermissionChange Change, bool Visible)>();
        var changes = factory.Services.GetRequiredService<PermissionChanges>();
        // What another connection sees at the moment of the announcement.
        void Listen(PermissionChange change) => heard.Enqueue((change,
            factory.WithDbAsync(db => db.UserRoles.AnyAsync(ur => ur.UserId == user.Id)).GetAwaiter().GetResult()));
        changes.Changed += Listen;
        try
        {
            await using var scope = factory.Services.CreateAsyncScope();
            var result = await scope.ServiceProvider.GetRequiredService<RoleAdministration>().SetUserRolesAsync(adminId, user.Id, ["Announced"]);
            Assert.Equal(RoleOutcome.Done, result.Outcome);
        }
        finally
        {
            changes.Changed -= Listen;
        }

        var (announced, visible) = Assert.Single(heard, h => h.Change.Affects(user.Id));
        Assert.False(announced.RolesChanged);
        Assert.True(visible);
        Assert.Contains(Permissions.AuditRead, await factory.Services.GetRequiredService<UserPermissions>().GetAsync(user.Id));
    }
}
