using Microsoft.Playwright;

namespace AuthPortal.Tests.E2E;

/// <summary>The real app on Kestrel (a real port) and Debian's Chromium driven by Playwright.</summary>
public sealed class BrowserPortal : IAsyncDisposable
{
    private IPlaywright? _playwright;

    private BrowserPortal(PortalFactory portal) => Portal = portal;

    public PortalFactory Portal { get; }
    public IBrowser Browser { get; private set; } = default!;
    public string BaseUrl { get; private set; } = "";

    /// <summary>Errors and warnings the pages printed to the browser console (CSP violations show up here).</summary>
    public System.Collections.Concurrent.ConcurrentBag<string> ConsoleErrors { get; } = [];

    public static async Task<BrowserPortal> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var portal = new PortalFactory(null, settings);
        portal.UseKestrel(0);
        portal.StartServer();
        var browserPortal = new BrowserPortal(portal)
        {
            // "localhost", not 127.0.0.1: WebAuthn refuses IP addresses as relying-party ids.
            BaseUrl = portal.ClientOptions.BaseAddress.ToString().TrimEnd('/').Replace("127.0.0.1", "localhost", StringComparison.Ordinal),
        };
        browserPortal._playwright = await Playwright.CreateAsync();
        browserPortal.Browser = await browserPortal._playwright.Chromium.LaunchAsync(DebianChromium.LaunchOptions());
        return browserPortal;
    }

    /// <summary>A page in a new browser context (its own cookies), optionally signed in from a saved storage state.</summary>
    public async Task<IPage> NewPageAsync(bool darkMode = false, string? storageState = null, ViewportSize? viewport = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl,
            ViewportSize = viewport ?? new ViewportSize { Width = 1280, Height = 800 },
            StorageState = storageState,
        });
        if (darkMode)
        {
            await context.AddCookiesAsync([new Microsoft.Playwright.Cookie { Name = "ap-theme", Value = "dark", Url = BaseUrl }]);
        }
        // An upper bound, not a wait: every step waits for what it means (a URL, a locator). A cold machine (a
        // browser just installed, nothing JIT-compiled yet) needs more headroom than a warm one.
        context.SetDefaultTimeout(30_000);
        context.SetDefaultNavigationTimeout(30_000);
        var page = await context.NewPageAsync();
        page.Console += (_, message) => { if (message.Type is "error" or "warning") { ConsoleErrors.Add(message.Text); } };
        page.PageError += (_, error) => ConsoleErrors.Add(error);
        return page;
    }

    /// <summary>Writes a screenshot under docs/screenshots when AUTHPORTAL_SCREENSHOTS=1 (used to refresh the README).</summary>
    public static async Task ScreenshotForDocsAsync(IPage page, string name, bool fullPage = false)
    {
        if (Environment.GetEnvironmentVariable("AUTHPORTAL_SCREENSHOTS") != "1")
        {
            return;
        }
        var directory = Path.Combine(TestPaths.RepositoryRoot, "docs", "screenshots");
        Directory.CreateDirectory(directory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, $"{name}.png"), FullPage = fullPage });
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.CloseAsync();
        _playwright?.Dispose();
        await Portal.DisposeAsync();
    }
}

/// <summary>
/// Browser tests run one at a time, after the rest of the suite: a browser and a live circuit on two busy cores are
/// what a person would see on a slow machine, not a fair test of the portal's own timing (revocation within 2 s).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrowserCollection
{
    public const string Name = "Browser";
}
