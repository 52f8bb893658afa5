using System.Text.Json;

namespace AuthPortal.Features.Tokens;

/// <summary>The parameters of a token or revocation request, from a form (RFC 6749) or a JSON object.</summary>
public sealed class TokenRequest(IReadOnlyDictionary<string, string> parameters)
{
    public string? this[string name] => parameters.GetValueOrDefault(name);

    /// <summary>True when the parameter was sent at all, even empty.</summary>
    public bool Has(string name) => parameters.ContainsKey(name);

    /// <summary>
    /// The request, or why it cannot be read: not a form nor a JSON object, a parameter twice, or a JSON value that
    /// is not a string (an array, null or number is never quietly dropped: a dropped <c>scope</c> would mean every
    /// permission).
    /// </summary>
    public static async Task<(TokenRequest? Request, string? Error)> ReadAsync(HttpRequest request)
    {
        const string Unreadable = "Send the parameters as application/x-www-form-urlencoded or a JSON object, each once.";
        var (parameters, error) = await ReadParametersAsync(request);
        return parameters is null ? (null, error ?? Unreadable) : (new TokenRequest(parameters), null);
    }

    private static async Task<(Dictionary<string, string>? Parameters, string? Error)> ReadParametersAsync(HttpRequest request)
    {
        if (request.HasFormContentType)
        {
            try
            {
                var form = await request.ReadFormAsync();
                // A parameter sent twice is ambiguous (RFC 6749 §3.1): refuse rather than guess.
                return form.Any(f => f.Value.Count > 1) ? (null, null)
                    : (form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal), null);
            }
            catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException or IOException)
            {
                return (null, null);
            }
        }
        if (request.HasJsonContentType())
        {
            try
            {
                using var document = await JsonDocument.ParseAsync(request.Body);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    return (null, null);
                }
                var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    if (property.Value.ValueKind != JsonValueKind.String)
                    {
                        return (null, $"{property.Name} must be a string.");
                    }
                    if (!parameters.TryAdd(property.Name, property.Value.GetString()!))
                    {
                        return (null, null); // the same parameter twice
                    }
                }
                return (parameters, null);
            }
            catch (Exception ex) when (ex is JsonException or BadHttpRequestException or IOException)
            {
                return (null, null);
            }
            catch (InvalidOperationException)
            {
                return (null, null); // a name or value that is not valid UTF-8 (the document parses; reading it as text fails)
            }
        }
        return (null, null);
    }
}
