using AuthPortal.Tests.Support;
using Microsoft.Playwright;

namespace AuthPortal.Bench.Suite;

/// <summary>
/// #7: what one idle Blazor circuit costs the server. Chromium (Debian's, through Playwright) opens the dashboard of one
/// signed-in person in more and more tabs, each with its own live circuit; after each batch a full collection is forced
/// (<see cref="ManagedHeap"/>, as dotnet-gcdump does) and what survived it (the live objects) is read together with the
/// heap's size (which adds the free space the sweep left between them) and resident memory; the growth of a batch divided
/// by its tabs is one repetition. The tabs stay open, so the last batch runs with every circuit live.
/// </summary>
internal static class CircuitMemory
{
    public sealed record Batch(int CircuitsOpen, double LiveKilobytesPerCircuit, double HeapKilobytesPerCircuit, double ResidentKilobytesPerCircuit);

    public static async Task<IReadOnlyList<Batch>> MeasureAsync(AppProcess app, string cookieHeader, int batches, int perBatch)
    {
        using var playwright = await Playwright.CreateAsync();
        // 210 tabs share a few renderer processes, and background tabs are not throttled: every circuit stays live.
        await using var browser = await playwright.Chromium.LaunchAsync(DebianChromium.LaunchOptions(
            "--renderer-process-limit=4", "--disable-background-timer-throttling", "--disable-renderer-backgrounding"));
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = app.Url });
        context.SetDefaultTimeout(60_000);
        var uri = new Uri(app.Url);
        await context.AddCookiesAsync(cookieHeader.Split("; ").Select(pair => pair.Split('=', 2)).Select(p => new Cookie
        {
            Name = p[0], Value = p[1], Domain = uri.Host, Path = "/", HttpOnly = true, SameSite = SameSiteAttribute.Lax,
        }));

        // One circuit first, closed again: what every circuit shares (JIT'd code, caches, pools) is paid before the baseline.
        var warm = await OpenAsync(context);
        await warm.CloseAsync();
        var heap = await ManagedHeap.MeasureAfterFullCollectionAsync(app.ProcessId, TimeSpan.FromSeconds(60));
        var resident = app.ResidentMegabytes();
        var results = new List<Batch>();
        double KilobytesEach(long bytes) => bytes / 1024.0 / perBatch;
        var open = 0;
        for (var b = 0; b < batches; b++)
        {
            foreach (var chunk in Enumerable.Range(0, perBatch).Chunk(5))
            {
                await Task.WhenAll(chunk.Select(_ => OpenAsync(context)));
            }
            open += perBatch;
            var heapNow = await ManagedHeap.MeasureAfterFullCollectionAsync(app.ProcessId, TimeSpan.FromSeconds(60));
            var residentNow = app.ResidentMegabytes();
            var batch = new Batch(open, KilobytesEach(heapNow.LiveBytes - heap.LiveBytes), KilobytesEach(heapNow.HeapBytes - heap.HeapBytes),
                (residentNow - resident) * 1024 / perBatch);
            results.Add(batch);
            Console.WriteLine($"  {open} circuits: live {heapNow.LiveBytes / 1048576.0:0.0} MB (+{batch.LiveKilobytesPerCircuit:0} KB each), " +
                $"heap {heapNow.HeapBytes / 1048576.0:0.0} MB (+{batch.HeapKilobytesPerCircuit:0} KB each), RSS {residentNow:0} MB (+{batch.ResidentKilobytesPerCircuit:0} KB each)");
            (heap, resident) = (heapNow, residentNow);
        }
        return results;
    }

    private static async Task<IPage> OpenAsync(IBrowserContext context)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        // The shell marks itself once its circuit is up (the E2E tests wait for the same).
        await page.WaitForSelectorAsync("[data-interactive=true]");
        if (page.Url.Contains("/Account/Login", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("The circuits' browser is not signed in.");
        }
        return page;
    }


}
