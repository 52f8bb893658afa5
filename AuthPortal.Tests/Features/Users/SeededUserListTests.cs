namespace AuthPortal.Tests.Features.Users;

/// <summary>The admin list's queries on 100,000 seeded people (pre-hashed rows): the right rows, counts and pages.</summary>
public sealed class SeededUserListTests : IAsyncLifetime
{
    private const int Seeded = 100_000;
    private readonly PortalFactory _portal = new(null, PortalSettings.WithAdministrator(DefaultPortal.AdminEmail));

    public async Task InitializeAsync() =>
        await _portal.WithDbAsync(async db => { await UserSeeder.SeedAsync(db, Seeded, DateTimeOffset.UtcNow); return 0; });

    public Task DisposeAsync()
    {
        _portal.Dispose();
        return Task.CompletedTask;
    }

    private UserDirectory Directory => _portal.Services.GetRequiredService<UserDirectory>();

    [Fact]
    public async Task SearchFiltersSortAndDeepPagesAnswerFromTheWholeTable()
    {
        var all = await Directory.SearchAsync(null, UserFilter.None, 1, 25, UserSort.Email, false);
        Assert.Equal(Seeded + 1, all.Total); // and the administrator

        var search = await Directory.SearchAsync("user05000", UserFilter.None, 1, 50, UserSort.Email, false);
        Assert.Equal(Enumerable.Range(50_000, 10).Select(UserSeeder.EmailOf), search.Items.Select(u => u.Email));
        Assert.Equal(10, search.Total);

        var disabled = await Directory.SearchAsync(null, new UserFilter(Disabled: true), 1, 200, UserSort.Email, false);
        Assert.Equal(Seeded / 1000, disabled.Total);
        Assert.All(disabled.Items, u => Assert.True(u.IsDisabled));

        var locked = await Directory.SearchAsync(null, new UserFilter(Locked: true), 1, 200, UserSort.Email, false);
        Assert.Equal(Seeded / 500, locked.Total);

        // More matches than the list counts: the count stops at the limit (plus one, to say "more").
        var twoFactor = await Directory.SearchAsync(null, new UserFilter(TwoFactor: true), 1, 25, UserSort.Email, false);
        Assert.Equal(UserDirectory.CountLimit + 1, twoFactor.Total);

        var recent = await Directory.SearchAsync("user0000", new UserFilter(SignedInWithinDays: 3), 1, 200, UserSort.Email, false);
        Assert.All(recent.Items, u => Assert.True(u.LastSignInAt >= DateTimeOffset.UtcNow.AddDays(-3.01)));
        Assert.Contains(recent.Items, u => u.Email == UserSeeder.EmailOf(1));

        // A deep page, sorted by email: exactly the rows that belong there.
        var deep = await Directory.SearchAsync("@seed.test", UserFilter.None, 1999, 50, UserSort.Email, false);
        Assert.Equal(Enumerable.Range(99_900, 50).Select(UserSeeder.EmailOf), deep.Items.Select(u => u.Email));

        var newest = await Directory.SearchAsync(null, UserFilter.None, 1, 3, UserSort.CreatedAt, descending: true);
        Assert.Equal(UserSeeder.EmailOf(0), newest.Items[0].Email);
        var oldest = await Directory.SearchAsync(null, UserFilter.None, 1, 3, UserSort.CreatedAt, descending: false);
        Assert.Equal(UserSeeder.EmailOf(Seeded - 1), oldest.Items[0].Email);
    }

    [Fact]
    public async Task TheExportStreamsEveryMatchingRow()
    {
        var count = 0;
        await foreach (var user in Directory.StreamAsync("@seed.test", new UserFilter(EmailUnconfirmed: true), UserSort.Email, false))
        {
            Assert.False(user.EmailConfirmed);
            count++;
        }
        Assert.Equal(Seeded / 10, count);
    }
}
