using AuthPortal.Infrastructure.Database;
using Microsoft.AspNetCore.Diagnostics;

namespace AuthPortal.Infrastructure.Api;

/// <summary>
/// What <c>/api</c> answers when a request ends in an exception, in one place: its status (the exception handler's
/// <see cref="ExceptionHandlerOptions.StatusCodeSelector"/>), whether it is logged, and the problem detail's words.
/// A client's mistake the framework throws for (a query value of the wrong type) is its status, named and not logged;
/// text the database cannot store is 400; a full disk is 503 with Retry-After (and logged); anything else is 500.
/// </summary>
public static partial class ApiExceptionAnswers
{
    public static ExceptionHandlerOptions HandlerOptions() => new()
    {
        StatusCodeSelector = StatusFor,
        // A client's mistake is not an error of the portal's: it is answered, not logged as an unhandled exception.
        SuppressDiagnosticsCallback = context => IsClientMistake(context.Exception),
    };

    /// <summary>Fills in the problem detail of an answer that came from an exception (called from CustomizeProblemDetails).</summary>
    public static void Describe(ProblemDetailsContext context)
    {
        switch (context.Exception)
        {
            case BadHttpRequestException badRequest when badRequest.StatusCode < StatusCodes.Status500InternalServerError:
                var parameter = BoundParameter().Match(badRequest.Message);
                context.ProblemDetails.Title = "Bad request";
                context.ProblemDetails.Detail = parameter.Success ? $"The value of {parameter.Groups["name"].Value} is not valid." : "The request could not be read.";
                context.ProblemDetails.Extensions["errors"] = new Dictionary<string, string[]>
                {
                    [parameter.Success ? parameter.Groups["name"].Value : "request"] = [parameter.Success ? $"Expected {Friendly(parameter.Groups["type"].Value)}." : "The request could not be read."],
                };
                break;
            case var exception when UnstorableText.Is(exception):
                context.ProblemDetails.Title = "Bad request";
                context.ProblemDetails.Detail = UnstorableText.Detail;
                break;
            case var exception when StorageFull.Is(exception):
                context.ProblemDetails.Title = StorageFull.Title;
                context.ProblemDetails.Detail = StorageFull.Detail;
                ApiProblem.SetRetryAfter(context.HttpContext.Response, StorageFull.RetryAfter);
                break;
        }
    }

    private static int StatusFor(Exception exception) => exception switch
    {
        BadHttpRequestException badRequest => badRequest.StatusCode,
        _ when StorageFull.Is(exception) => StatusCodes.Status503ServiceUnavailable,
        _ when UnstorableText.Is(exception) => StatusCodes.Status400BadRequest,
        _ => StatusCodes.Status500InternalServerError,
    };

    private static bool IsClientMistake(Exception exception) =>
        exception is BadHttpRequestException { StatusCode: < StatusCodes.Status500InternalServerError } || UnstorableText.Is(exception);

    // The framework's binding failure: Failed to bind parameter "Nullable<int> page" from "abc".
    [System.Text.RegularExpressions.GeneratedRegex("parameter \"(?<type>[^\"]+) (?<name>[^\" ]+)\"")]
    private static partial System.Text.RegularExpressions.Regex BoundParameter();

    private static string Friendly(string type) => type switch
    {
        _ when type.Contains("int", StringComparison.OrdinalIgnoreCase) || type.Contains("long", StringComparison.OrdinalIgnoreCase) => "a whole number",
        _ when type.Contains("bool", StringComparison.OrdinalIgnoreCase) => "true or false",
        _ when type.Contains("Date", StringComparison.Ordinal) => "a date and time (ISO 8601)",
        _ => "a value of the documented type",
    };
}
