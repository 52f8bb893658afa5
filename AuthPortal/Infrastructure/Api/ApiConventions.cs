using System.Diagnostics;
using System.Threading.RateLimiting;
using AuthPortal.Infrastructure.Options;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace AuthPortal.Infrastructure.Api;

/// <summary>Problem details, rate limits and the OpenAPI document for /api.</summary>
public static class ApiConventions
{
    public static IServiceCollection AddApiConventions(this IServiceCollection services)
    {
        services.ConfigureHttpJsonOptions(json => StrictJson.Configure(json.SerializerOptions));
        // Browsers may call /api only from Cors:AllowedOrigins, with a bearer token (never cookies: no credentials).
        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>().Configure<IOptions<CrossOriginOptions>>((cors, origins) =>
            cors.AddPolicy(ApiGroup.CorsPolicy, policy => policy
                .WithOrigins(origins.Value.AllowedOrigins)
                .AllowAnyHeader()
                .AllowAnyMethod()
                .WithExposedHeaders("WWW-Authenticate", "Retry-After", "X-Request-ID")
                .SetPreflightMaxAge(TimeSpan.FromMinutes(10))));
        // Binding failures (a query value of the wrong type) throw in every environment, not only in Development, so the
        // /api exception handler answers them with a problem detail that names the parameter.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Extensions["traceId"] = Activity.Current?.Id ?? context.HttpContext.TraceIdentifier;
            ApiExceptionAnswers.Describe(context);
            // Routing refuses a body type the endpoint does not declare (Accepts) with a bare 415: name the header and what it takes.
            if (context.ProblemDetails.Status == StatusCodes.Status415UnsupportedMediaType && !context.ProblemDetails.Extensions.ContainsKey("errors"))
            {
                var accepted = RequestLimits.AcceptedContentTypes(context.HttpContext);
                context.ProblemDetails.Detail ??= $"Send the body as {accepted}.";
                context.ProblemDetails.Extensions["errors"] = new Dictionary<string, string[]> { ["Content-Type"] = [$"Expected {accepted}."] };
            }
        });

        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((limiter, limits) =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // Anonymous credential and account endpoints (token, revoke, register API, and the sign-in, registration,
            // forgot-password and resend-confirmation forms): one budget per client IP for all of them together, so
            // password spraying or mail bombing cannot move to whichever door is left open. Only posts count: reading
            // a form is free. (X-Forwarded-For counts only from Proxy:KnownProxies.)
            limiter.AddPolicy(ApiGroup.TokenRateLimitPolicy, context => HttpMethods.IsPost(context.Request.Method)
                ? RateLimitPartition.GetFixedWindowLimiter("ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown"),
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = limits.Value.TokenPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 })
                : RateLimitPartition.GetNoLimiter("read"));
            // Other /api calls: per principal (the bearer credential's subject, its Name), after authorization has run.
            limiter.AddPolicy(ApiGroup.RateLimitPolicy, context => RateLimitPartition.GetFixedWindowLimiter(
                context.User.Identity?.Name is { Length: > 0 } subject ? "user:" + subject : "ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown"),
                _ => new FixedWindowRateLimiterOptions { PermitLimit = limits.Value.ApiPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                ApiProblem.SetRetryAfter(context.HttpContext.Response, retryAfter);
                if (!context.HttpContext.Request.Path.StartsWithSegments("/api"))
                {
                    await TooManyRequestsPage.WriteAsync(context.HttpContext, retryAfter);
                    return;
                }
                await ApiProblem.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, "Too many requests",
                    $"Rate limit reached. Try again in {(int)Math.Ceiling(retryAfter.TotalSeconds)} seconds.");
            };
        });

        services.AddOpenApi(options =>
        {
            options.AddExamples();
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "AuthPortal API",
                    Version = "v1",
                    Description = "Get a token at POST /api/auth/token, then call /api with Authorization: Bearer <token>.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["Bearer"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "JWT",
                    Description = "An access token from POST /api/auth/token.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                var needsToken = metadata.OfType<Microsoft.AspNetCore.Authorization.IAuthorizeData>().Any()
                    && !metadata.OfType<Microsoft.AspNetCore.Authorization.IAllowAnonymous>().Any();
                if (needsToken)
                {
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("Bearer", context.Document)] = [] });
                    operation.Responses ??= new OpenApiResponses();
                    operation.Responses.TryAdd("401", new OpenApiResponse { Description = "Missing, invalid, expired or revoked token (WWW-Authenticate: Bearer)." });
                    operation.Responses.TryAdd("429", new OpenApiResponse { Description = "Rate limit reached; see Retry-After." });
                }
                return Task.CompletedTask;
            });
        });
        return services;
    }
}
