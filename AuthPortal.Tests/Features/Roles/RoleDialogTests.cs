using Bunit;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using MudBlazor.Services;

namespace AuthPortal.Tests.Features.Roles;

/// <summary>bUnit: the permission matrix (areas, descriptions, wildcards) and the role dialog it sits in.</summary>
public sealed class RoleDialogTests : IAsyncLifetime
{
    private readonly BunitContext _bunit = new();

    public RoleDialogTests()
    {
        _bunit.JSInterop.Mode = JSRuntimeMode.Loose;
        _bunit.Services.AddMudServices();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // MudBlazor puts the attribute on the input in some versions and on its wrapper in others.
    private static string Box(string testId) => $"[data-testid={testId}] input, input[data-testid={testId}]";

    public async Task DisposeAsync() => await _bunit.DisposeAsync();

    private async Task<(IRenderedComponent<MudDialogProvider> Provider, IDialogReference Dialog)> ShowAsync(DialogParameters<RoleDialog> parameters)
    {
        var host = _bunit.Render(builder =>
        {
            builder.OpenComponent<MudPopoverProvider>(0);
            builder.CloseComponent();
            builder.OpenComponent<MudDialogProvider>(1);
            builder.CloseComponent();
        });
        var provider = host.FindComponent<MudDialogProvider>();
        var dialogs = _bunit.Services.GetRequiredService<IDialogService>();
        return (provider, await provider.InvokeAsync(() => dialogs.ShowAsync<RoleDialog>("dialog", parameters)));
    }

    [Fact]
    public void TheMatrixGroupsEveryPermissionByAreaWithItsDescriptionAndAWildcardCoversTheArea()
    {
        var selected = new HashSet<string> { "users.*" };
        var matrix = _bunit.Render<PermissionMatrix>(p => p.Add(m => m.Selected, selected));

        foreach (var permission in Permissions.System)
        {
            Assert.Contains(permission.Description, matrix.Markup);
            Assert.NotNull(matrix.Find($"[data-testid=grant-{permission.Name.Replace(".", "\\.")}]"));
        }
        Assert.Equal(Permissions.SystemAreas.Count, matrix.FindAll("[data-testid$='\\.\\*']").Count);
        // users.* makes every users permission read as granted (and fixed), but not another area's.
        Assert.True(matrix.Find(Box("grant-users\\.write")).HasAttribute("disabled"));
        Assert.False(matrix.Find(Box("grant-audit\\.read")).HasAttribute("disabled"));

        matrix.Find(Box("grant-audit\\.read")).Change(true);
        Assert.Contains("audit.read", selected);
    }

    [Fact]
    public async Task TheDialogHandsBackNameWildcardsAlonePermissionsAndIncludes()
    {
        var (provider, dialog) = await ShowAsync(new DialogParameters<RoleDialog>
        {
            { d => d.Includable, [new RoleDialog.IncludableRole("Readers", ["users.read"])] },
        });

        Assert.Contains("Readers", provider.Markup);
        provider.Find("[data-testid=role-name] input, input[data-testid=role-name]").Input("Support");
        provider.Find(Box("grant-audit\\.read")).Change(true);
        provider.Find(Box("grant-users\\.read")).Change(true);
        provider.Find(Box("grant-users\\.\\*")).Change(true);
        provider.Find(Box("include-Readers")).Change(true);
        provider.Find("button[data-testid=role-save]").Click();

        var request = Assert.IsType<RoleRequest>((await dialog.Result)!.Data);
        Assert.Equal("Support", request.Name);
        // users.read is inside users.*, so only the wildcard is kept.
        Assert.Equal(["audit.read", "users.*"], request.Permissions);
        Assert.Equal(["Readers"], request.Includes);
    }

    [Fact]
    public async Task ANamelessRoleIsNotSaved()
    {
        var (provider, dialog) = await ShowAsync(new DialogParameters<RoleDialog> { { d => d.Includable, [] } });

        provider.Find("button[data-testid=role-save]").Click();

        Assert.Contains("Name the role.", provider.Markup);
        Assert.False(dialog.Result.IsCompleted);
    }
}
