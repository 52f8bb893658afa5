using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AuthPortal.Infrastructure.Api;

/// <summary>
/// Reads a JSON request body strictly: camelCase, unknown or privileged fields refused (never silently
/// applied), and a broken body answered with a validation problem naming the field.
/// </summary>
public static partial class StrictJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public static async Task<(T? Value, ValidationProblem? Problem)> ReadAsync<T>(HttpRequest request) where T : class
    {
        if (!request.HasJsonContentType())
        {
            return (null, Problem("body", "Send a JSON object with Content-Type: application/json."));
        }
        try
        {
            var value = await request.ReadFromJsonAsync<T>(Options, request.HttpContext.RequestAborted);
            return value is null ? (null, Problem("body", "The body must be a JSON object.")) : (value, null);
        }
        catch (JsonException ex)
        {
            var unknown = UnmappedProperty().Match(ex.Message);
            return unknown.Success
                ? (null, Problem(unknown.Groups[1].Value, "This field is not accepted here."))
                : (null, Problem(FieldOf(ex.Path), "This value is not valid JSON of the expected type."));
        }
    }

    public static ValidationProblem Problem(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    public static ValidationProblem Problem(IEnumerable<(string Field, string Message)> errors) =>
        TypedResults.ValidationProblem(errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()));

    private static string FieldOf(string? path) => string.IsNullOrEmpty(path) || path == "$" ? "body" : path.TrimStart('$', '.');

    [GeneratedRegex("The JSON property '([^']+)' could not be mapped")]
    private static partial Regex UnmappedProperty();
}

public static class ApiPrincipal
{
    /// <summary>The user id of a bearer token (sub) or a cookie (NameIdentifier).</summary>
    public static string UserId(this ClaimsPrincipal principal) =>
        principal.FindFirstValue("sub") ?? principal.FindFirstValue(ClaimTypes.NameIdentifier)
        ?? throw new InvalidOperationException("The principal has no user id.");

    public static string? SessionId(this ClaimsPrincipal principal) => principal.FindFirstValue("sid");
}

/// <summary>The list shape every /api list answers with (DESIGN.md "API conventions").</summary>
public sealed record Paged<T>(IReadOnlyList<T> Items, int Page, int PageSize, int Total);
