using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AuthPortal.Infrastructure.Api;

/// <summary>
/// The one way /api answers with an error: RFC 9457 problem details written by <see cref="IProblemDetailsService"/>,
/// which adds the <c>traceId</c> (ApiConventions). Handlers return these results; framework hooks (the bearer
/// challenge, the rate limiter) call <see cref="WriteAsync"/>, which executes the same result.
/// </summary>
public static class ApiProblem
{
    public static ProblemHttpResult BadRequest(string detail) => Create(StatusCodes.Status400BadRequest, "Bad request", detail);

    public static ProblemHttpResult Unauthorized(string detail) => Create(StatusCodes.Status401Unauthorized, "Unauthorized", detail);

    public static ProblemHttpResult Forbidden(string title, string detail) => Create(StatusCodes.Status403Forbidden, title, detail);

    public static ProblemHttpResult NotFound(string detail) => Create(StatusCodes.Status404NotFound, "Not found", detail);

    public static ProblemHttpResult Conflict(string detail) => Create(StatusCodes.Status409Conflict, "Conflict", detail);

    /// <summary>429 with <c>Retry-After</c>.</summary>
    public static ProblemHttpResult TooManyRequests(HttpResponse response, TimeSpan retryAfter, string detail)
    {
        SetRetryAfter(response, retryAfter);
        return Create(StatusCodes.Status429TooManyRequests, "Too many requests", detail);
    }

    /// <summary>400 with an <c>errors</c> map naming the field that was wrong.</summary>
    public static ValidationProblem Validation(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    public static ValidationProblem Validation(IEnumerable<(string Field, string Message)> errors) =>
        TypedResults.ValidationProblem(errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()));

    /// <summary>For answers the framework produces itself (401, 403, 429 from middleware).</summary>
    public static async Task WriteAsync(HttpContext context, int status, string title, string detail)
    {
        if (!context.Response.HasStarted)
        {
            await Create(status, title, detail).ExecuteAsync(context);
        }
    }

    /// <summary>RFC 9110 Retry-After in whole seconds (rounded up, so a client never retries too early).</summary>
    public static void SetRetryAfter(HttpResponse response, TimeSpan wait) =>
        response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    // The traceId is set here too, so a client whose Accept header the problem-details writer declines still gets it.
    private static ProblemHttpResult Create(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail,
            extensions: System.Diagnostics.Activity.Current?.Id is { } traceId ? new Dictionary<string, object?> { ["traceId"] = traceId } : null);
}
