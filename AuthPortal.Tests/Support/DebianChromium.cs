using Microsoft.Playwright;

namespace AuthPortal.Tests.Support;

/// <summary>
/// Debian's Chromium, as every browser test and the benchmark launch it: Playwright cannot download its own browser
/// here, and these flags keep a headless run on a shared machine quiet (no sandbox as root, no GPU, no background
/// traffic). <c>CHROMIUM_PATH</c> points elsewhere when needed.
/// </summary>
public static class DebianChromium
{
    public static string ExecutablePath => Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium";

    private static readonly IReadOnlyList<string> Args =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];

    /// <summary>Headless launch options, with <paramref name="extraArgs"/> after the usual flags.</summary>
    public static BrowserTypeLaunchOptions LaunchOptions(params string[] extraArgs) =>
        new() { ExecutablePath = ExecutablePath, Headless = true, Args = [.. Args, .. extraArgs] };
}
