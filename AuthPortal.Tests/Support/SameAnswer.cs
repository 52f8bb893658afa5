using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AuthPortal.Tests.Support;

/// <summary>
/// For enumeration tests: two answers must be indistinguishable to the caller. Status, content type and the whole
/// body are compared; only what differs on every request anyway (trace ids, antiforgery tokens) and the input the
/// page echoes back are set aside.
/// </summary>
public static partial class SameAnswer
{
    public static async Task AssertAsync(HttpResponseMessage first, HttpResponseMessage second, string firstInput = "", string secondInput = "")
    {
        Assert.Equal(first.StatusCode, second.StatusCode);
        Assert.Equal(first.Content.Headers.ContentType?.ToString(), second.Content.Headers.ContentType?.ToString());
        Assert.Equal(first.Headers.Location?.ToString(), second.Headers.Location?.ToString());
        var a = Normalize(await first.Content.ReadAsStringAsync(), firstInput);
        var b = Normalize(await second.Content.ReadAsStringAsync(), secondInput);
        Assert.False(string.IsNullOrWhiteSpace(a), "an empty body proves nothing");
        Assert.Equal(a, b);
    }

    private static string Normalize(string body, string echoedInput)
    {
        if (JsonNode.Parse(TryJson(body) ?? "null") is JsonObject json)
        {
            json.Remove("traceId");
            body = json.ToJsonString();
        }
        body = AntiforgeryValue().Replace(body, "value=\"(antiforgery)\"");
        // Blazor's persisted component state is encrypted afresh for every response.
        body = PersistedState().Replace(body, "$1(state)");
        return echoedInput.Length == 0 ? body : body.Replace(echoedInput, "(input)", StringComparison.Ordinal);
    }

    private static string? TryJson(string body) => body.TrimStart().StartsWith('{') ? body : null;

    [GeneratedRegex("value=\"CfDJ8[^\"]*\"")]
    private static partial Regex AntiforgeryValue();

    [GeneratedRegex("(Blazor-[A-Za-z]+-Component-State:)[A-Za-z0-9+/=_-]+")]
    private static partial Regex PersistedState();
}
