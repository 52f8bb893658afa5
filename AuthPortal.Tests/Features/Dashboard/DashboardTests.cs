using Bunit;
using AuthPortal.Features.Dashboard;

namespace AuthPortal.Tests.Features.Dashboard;

/// <summary>The dashboard's figures from a real database, and the sign-in chart (its data, and bUnit of what it renders).</summary>
public sealed class DashboardTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    [Fact]
    public void TheChartHasTwoSeriesOfADayEachAndSparseLabels()
    {
        var today = new DateOnly(2026, 11, 23);
        var days = Enumerable.Range(0, 30).Select(i => new SignInDay(today.AddDays(i - 29), i, i % 3)).ToList();

        var (series, labels) = SignInChart.SeriesOf(days);

        Assert.Equal(["Sign-ins", "Failed sign-ins"], series.Select(s => s.Name));
        Assert.Equal(Enumerable.Range(0, 30).Select(i => (double)i), series[0].Data.ToArray());
        Assert.Equal(Enumerable.Range(0, 30).Select(i => (double)(i % 3)), series[1].Data.ToArray());
        Assert.Equal(30, labels.Length);
        Assert.Equal("25 Oct", labels[0]);
        Assert.Equal("23 Nov", labels[^1]);
        Assert.Equal(7, labels.Count(l => l.Length > 0));
    }

    [Fact]
    public async Task TheChartRendersBothSeriesWithTheirLegend()
    {
        await using var bunit = new BunitContext();
        bunit.JSInterop.Mode = JSRuntimeMode.Loose;
        MudBlazor.Services.ServiceCollectionExtensions.AddMudServices(bunit.Services);
        var days = Enumerable.Range(0, 30).Select(i => new SignInDay(new DateOnly(2026, 11, 23).AddDays(i - 29), i, 1)).ToList();

        var chart = bunit.Render<SignInChart>(p => p.Add(c => c.Days, days));

        Assert.Contains("Sign-ins", chart.Markup);
        Assert.Contains("Failed sign-ins", chart.Markup);
        Assert.Contains("23 Nov", chart.Markup);
        Assert.True(chart.FindAll("svg path").Count >= 2);
    }

    [Fact]
    public async Task AdministratorFiguresCountWhatTheDatabaseHolds()
    {
        var locked = await factory.CreateUserAsync("dashboard-locked@example.com");
        await factory.WithDbAsync(db => db.Users.Where(u => u.Id == locked.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.LockoutEnd, DateTimeOffset.UtcNow.AddDays(1))));
        var client = factory.CreatePortalClient();
        Assert.Equal("invalid_grant", await (await client.PasswordGrantAsync(DefaultPortal.AdminEmail, "wrong password here")).ErrorCodeAsync());
        await client.GetTokensAsync(DefaultPortal.AdminEmail);

        var figures = await factory.Services.GetRequiredService<DashboardFigures>().ForAdministratorsAsync();

        Assert.Equal(await factory.WithDbAsync(db => db.Users.CountAsync(u => !u.IsServiceAccount)), figures.Users);
        Assert.True(figures.LockedAccounts >= 1);
        Assert.True(figures.ActiveSessions >= 1);
        Assert.Equal(DashboardFigures.ChartDays, figures.SignIns.Count);
        Assert.True(figures.SignIns[^1].Succeeded >= 1);
        Assert.True(figures.SignIns[^1].Failed >= 1);
        Assert.NotEmpty(figures.RecentEvents);
    }
}
