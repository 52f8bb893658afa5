using System.Text.Json;

namespace AuthPortal.Features.Tokens;

/// <summary>The parameters of a token or revocation request, from a form (RFC 6749) or a JSON object.</summary>
public sealed class TokenRequest(IReadOnlyDictionary<string, string> parameters)
{
    public string? this[string name] => parameters.GetValueOrDefault(name);

    /// <summary>Null when the body is neither a form nor a JSON object, or names a parameter twice.</summary>
    public static async Task<TokenRequest?> ReadAsync(HttpRequest request)
    {
        if (request.HasFormContentType)
        {
            try
            {
                var form = await request.ReadFormAsync();
                // A parameter sent twice is ambiguous (RFC 6749 §3.1): refuse rather than guess.
                return form.Any(f => f.Value.Count > 1) ? null
                    : new TokenRequest(form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal));
            }
            catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException or IOException)
            {
                return null;
            }
        }
        if (request.HasJsonContentType())
        {
            try
            {
                using var document = await JsonDocument.ParseAsync(request.Body);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    return null;
                }
                var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var property in document.RootElement.EnumerateObject()
                    .Where(p => p.Value.ValueKind is JsonValueKind.String or JsonValueKind.Number))
                {
                    if (!parameters.TryAdd(property.Name, property.Value.ToString()))
                    {
                        return null; // the same parameter twice
                    }
                }
                return new TokenRequest(parameters);
            }
            catch (Exception ex) when (ex is JsonException or BadHttpRequestException or IOException)
            {
                return null;
            }
        }
        return null;
    }
}
