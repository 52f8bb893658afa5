using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace AuthPortal.Tests.E2E;

/// <summary>
/// Waiting for a page to reach a URL, without the race in Playwright's <c>WaitForURLAsync</c>: that checks the current URL
/// and then starts listening, and .NET Playwright delivers navigation events on another thread, so a navigation landing
/// between the two (a Blazor <c>NavigateTo</c> right after a click) was never seen and the wait ran out (a failure on a
/// cold CI machine). Here the listener is attached first and the URL checked second.
/// </summary>
public static class PageNavigation
{
    /// <summary>Waits until the main frame's URL matches <paramref name="glob"/> (<c>**</c> any text, <c>*</c> any text without '/').</summary>
    public static Task WaitForUrlAsync(this IPage page, string glob, PageWaitForURLOptions? options = null)
    {
        var pattern = GlobPattern(glob);
        return page.WaitForUrlAsync(url => pattern.IsMatch(url), options, glob);
    }

    public static async Task WaitForUrlAsync(this IPage page, Func<string, bool> matches, PageWaitForURLOptions? options = null, string? description = null)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnNavigated(object? sender, IFrame frame)
        {
            if (frame == page.MainFrame && matches(frame.Url))
            {
                reached.TrySetResult();
            }
        }
        page.FrameNavigated += OnNavigated;
        try
        {
            if (matches(page.Url))
            {
                return;
            }
            await reached.Task.WaitAsync(TimeSpan.FromMilliseconds(options?.Timeout ?? 30_000));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The page did not reach {description ?? "the expected URL"} within {options?.Timeout ?? 30_000} ms; it is at {page.Url}.");
        }
        finally
        {
            page.FrameNavigated -= OnNavigated;
        }
    }

    private static Regex GlobPattern(string glob)
    {
        var pattern = new StringBuilder("^");
        for (var i = 0; i < glob.Length; i++)
        {
            if (glob[i] != '*')
            {
                pattern.Append(Regex.Escape(glob[i].ToString()));
            }
            else if (i + 1 < glob.Length && glob[i + 1] == '*')
            {
                pattern.Append(".*");
                i++;
            }
            else
            {
                pattern.Append("[^/]*");
            }
        }
        return new Regex(pattern.Append('$').ToString(), RegexOptions.CultureInvariant);
    }
}
