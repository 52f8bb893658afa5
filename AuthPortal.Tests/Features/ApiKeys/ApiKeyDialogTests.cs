using Bunit;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using MudBlazor.Services;
using AuthPortal.Features.ApiKeys;
using AuthPortal.Infrastructure.Options;
using Microsoft.Extensions.Options;

namespace AuthPortal.Tests.Features.ApiKeys;

/// <summary>bUnit: what the create and show-once dialogs let a person do, and what they hand back.</summary>
public sealed class ApiKeyDialogTests : IAsyncLifetime
{
    private readonly BunitContext _bunit = new();

    public ApiKeyDialogTests()
    {
        _bunit.JSInterop.Mode = JSRuntimeMode.Loose;
        _bunit.Services.AddMudServices();
        _bunit.Services.AddSingleton(TimeProvider.System);
        _bunit.Services.AddSingleton(Options.Create(new ApiKeyOptions()));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _bunit.DisposeAsync();

    private async Task<(IRenderedComponent<MudDialogProvider> Provider, IDialogReference Dialog)> ShowAsync<TDialog>(DialogParameters<TDialog> parameters)
        where TDialog : IComponent
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
        var reference = await provider.InvokeAsync(() => dialogs.ShowAsync<TDialog>("dialog", parameters));
        return (provider, reference);
    }

    [Fact]
    public async Task TheCreateDialogOffersOnlyHeldPermissionsAndHandsBackTheRequest()
    {
        var held = new List<Permission> { Permissions.System.Single(p => p.Name == Permissions.UsersRead) };
        var (provider, dialog) = await ShowAsync(new DialogParameters<CreateApiKeyDialog> { { d => d.Held, held } });

        Assert.Contains("users.read: See users and their details", provider.Markup);
        Assert.DoesNotContain("users.write", provider.Markup);
        Assert.True(provider.Find("button[data-testid=api-key-create]").HasAttribute("disabled")); // no name yet
        provider.Find("input[data-testid=api-key-name], [data-testid=api-key-name] input").Input("Exporter");
        provider.Find("[data-testid=scope-users\\.read] input, input[data-testid=scope-users\\.read]").Change(true);
        provider.Find("button[data-testid=api-key-create]").Click();

        var result = await dialog.Result;
        var request = Assert.IsType<ApiKeyRequest>(result!.Data);
        Assert.Equal("Exporter", request.Name);
        Assert.Equal([Permissions.UsersRead], request.Scopes);
        Assert.Equal(30, request.ExpiresInDays);
    }

    [Fact]
    public async Task TheShowOnceDialogShowsTheKeyWithAWarningAndReadyCommands()
    {
        var key = new CreatedApiKey("id1", "Exporter", ApiKeyFormat.New(), "apk_abcdef", [], DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(30));
        var (provider, dialog) = await ShowAsync(new DialogParameters<ApiKeyCreatedDialog> { { d => d.Key, key } });

        Assert.Equal(key.Key, provider.Find("[data-testid=api-key-value]").TextContent.Trim());
        Assert.Contains("shown only this once", provider.Markup);
        Assert.Contains($"X-Api-Key: {key.Key}", provider.Find("[data-testid=api-key-curl]").TextContent);
        provider.Find("button[data-testid=api-key-copy]").Click();
        _bunit.JSInterop.VerifyInvoke("authPortal.copy");
        provider.Find("button[data-testid=api-key-done]").Click();

        Assert.False((await dialog.Result)!.Canceled);
    }
}
