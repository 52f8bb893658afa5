using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace AuthPortal.Infrastructure.Api;

/// <summary>
/// Reads a JSON request body strictly: camelCase, unknown or privileged fields refused (never silently
/// applied, through <see cref="JsonUnmappedMemberHandling.Disallow"/>), and a broken body answered with a
/// validation problem naming the field.
/// </summary>
public static class StrictJson
{
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>The settings every /api body is read with (also applied to the framework's HTTP JSON options).</summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.Converters.Add(new TextWithoutNul());
        return options;
    }

    /// <summary>
    /// No text field may hold a NUL character: PostgreSQL cannot store one (and a C string ends at it), so it is refused as
    /// the field's error here rather than met as a database error later, the same on both providers.
    /// </summary>
    private sealed class TextWithoutNul : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.GetString();
            return text is not null && text.Contains('\0', StringComparison.Ordinal)
                ? throw new JsonException("A text value may not contain a NUL character.")
                : text;
        }

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }

    public static async Task<(T? Value, ValidationProblem? Problem)> ReadAsync<T>(HttpRequest request) where T : class
    {
        if (!request.HasJsonContentType())
        {
            return (null, ApiProblem.Validation("body", "Send a JSON object with Content-Type: application/json."));
        }
        if (UnknownCharset(request.ContentType) is { } charset)
        {
            // The reader would throw on it (a 500): a charset .NET has no encoding for is the client's mistake.
            return (null, ApiProblem.Validation("Content-Type", $"The charset {charset} is not one this portal reads: send UTF-8 (charset=utf-8, or none)."));
        }
        try
        {
            var value = await request.ReadFromJsonAsync<T>(Options, request.HttpContext.RequestAborted);
            return value is null ? (null, ApiProblem.Validation("body", "The body must be a JSON object.")) : (value, null);
        }
        catch (JsonException ex)
        {
            var field = FieldOf(ex.Path);
            // The serializer names the property it stopped at; one that T does not have is an unmapped (refused) field.
            return IsMember<T>(field)
                ? (null, ApiProblem.Validation(field, "This value is not valid JSON of the expected type."))
                : (null, ApiProblem.Validation(field, "This field is not accepted here."));
        }
    }

    private static string? UnknownCharset(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType) || StringSegment.IsNullOrEmpty(mediaType.Charset))
        {
            return null;
        }
        var charset = HeaderUtilities.RemoveQuotes(mediaType!.Charset).ToString();
        try
        {
            Encoding.GetEncoding(charset);
            return null;
        }
        catch (ArgumentException)
        {
            return charset;
        }
    }

    private static bool IsMember<T>(string field) =>
        field == "body" || Options.GetTypeInfo(typeof(T)).Properties.Any(p => string.Equals(p.Name, field.Split('.', '[')[0], StringComparison.OrdinalIgnoreCase));

    private static string FieldOf(string? path) => string.IsNullOrEmpty(path) || path == "$" ? "body" : path.TrimStart('$', '.');
}
