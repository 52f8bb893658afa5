using AngleSharp.Html.Parser;

namespace AuthPortal.Tests.Support;

/// <summary>Submits the static server-rendered forms the way a browser does: GET, keep the hidden fields, POST.</summary>
public static class HtmlForms
{
    public static async Task<HttpResponseMessage> SubmitAsync(this HttpClient client, string pageUrl, string formName, IDictionary<string, string> fields)
    {
        var page = await client.GetAsync(pageUrl);
        var html = await page.Content.ReadAsStringAsync();
        var hidden = HiddenFields(html, formName);
        foreach (var (key, value) in fields)
        {
            hidden[key] = value;
        }
        return await client.PostAsync(pageUrl, new FormUrlEncodedContent(hidden));
    }

    /// <summary>The hidden inputs (antiforgery token, _handler, …) of the form whose _handler is <paramref name="formName"/>.</summary>
    public static Dictionary<string, string> HiddenFields(string html, string formName)
    {
        var document = new HtmlParser().ParseDocument(html);
        var form = document.Forms.FirstOrDefault(f => f.QuerySelector($"input[name=_handler][value='{formName}']") is not null)
            ?? throw new InvalidOperationException($"No form '{formName}' on the page.");
        return form.QuerySelectorAll("input[type=hidden]")
            .Where(i => i.GetAttribute("name") is not null)
            .ToDictionary(i => i.GetAttribute("name")!, i => i.GetAttribute("value") ?? "");
    }

    /// <summary>The hidden inputs of the form with this id.</summary>
    public static Dictionary<string, string> HiddenFieldsOf(string html, string formId)
    {
        var form = new HtmlParser().ParseDocument(html).GetElementById(formId)
            ?? throw new InvalidOperationException($"No element '{formId}' on the page.");
        return form.QuerySelectorAll("input[type=hidden]")
            .Where(i => i.GetAttribute("name") is not null)
            .ToDictionary(i => i.GetAttribute("name")!, i => i.GetAttribute("value") ?? "");
    }

    /// <summary>Where a redirect points, resolved against the request (Blazor answers with absolute URLs).</summary>
    public static Uri RedirectTarget(this HttpResponseMessage response)
    {
        var location = response.Headers.Location ?? throw new InvalidOperationException($"Not a redirect: {(int)response.StatusCode}");
        return location.IsAbsoluteUri ? location : new Uri(response.RequestMessage!.RequestUri!, location);
    }

    /// <summary>The path and query of a redirect that stays on this site; fails for an off-site redirect.</summary>
    public static string LocalRedirect(this HttpResponseMessage response)
    {
        var target = response.RedirectTarget();
        Assert.Equal(response.RequestMessage!.RequestUri!.Authority, target.Authority);
        return target.PathAndQuery;
    }

    public static async Task<string> TextAsync(this HttpResponseMessage response)
    {
        var html = await response.Content.ReadAsStringAsync();
        return WebUtility.HtmlDecode(new HtmlParser().ParseDocument(html).Body?.TextContent ?? "");
    }
}
