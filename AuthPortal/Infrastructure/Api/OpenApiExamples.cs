using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace AuthPortal.Infrastructure.Api;

/// <summary>Example requests and answers in the OpenAPI document, for the calls a script makes first.</summary>
internal static class OpenApiExamples
{
    // Read-only once built: a static must not be state.
    private static readonly IReadOnlyDictionary<string, (JsonNode? Request, Dictionary<string, JsonNode> Responses)> ByRoute =
        new Dictionary<string, (JsonNode? Request, Dictionary<string, JsonNode> Responses)>
    {
        ["POST api/auth/token"] = (
            JsonNode.Parse("""{"grant_type":"password","username":"ada@example.com","password":"correct horse battery staple","scope":"users.read"}"""),
            new()
            {
                ["200"] = JsonNode.Parse("""{"access_token":"eyJhbGciOiJFUzI1NiIsImtpZCI6Ii4uLiIsInR5cCI6ImF0K2p3dCJ9...","token_type":"Bearer","expires_in":600,"refresh_token":"rt_3q2-7wX...","scope":"users.read"}""")!,
                ["400"] = JsonNode.Parse("""{"error":"invalid_grant","error_description":"The user name, password or code is incorrect, or the account cannot sign in."}""")!,
            }),
        ["GET api/me/"] = (null, new()
        {
            ["200"] = JsonNode.Parse("""{"id":"6f1c…","email":"ada@example.com","userName":"ada@example.com","displayName":"Ada Lovelace","timeZone":"Europe/London","emailConfirmed":true,"twoFactorEnabled":true,"roles":["Administrator"],"permissions":["users.read"],"organizations":[]}""")!,
        }),
        ["PATCH api/me/"] = (JsonNode.Parse("""{"displayName":"Ada King","timeZone":"Europe/London"}"""), new()),
        ["POST api/me/password"] = (JsonNode.Parse("""{"currentPassword":"correct horse battery staple","newPassword":"violet harbor quartz lantern"}"""), new()),
        ["GET api/me/sessions"] = (null, new()
        {
            ["200"] = JsonNode.Parse("""{"items":[{"id":"9b1e…","kind":"Browser","createdAt":"2026-11-22T09:00:00+00:00","lastSeenAt":"2026-11-22T10:12:00+00:00","expiresAt":"2026-12-06T09:00:00+00:00","ipAddress":"192.0.2.10","device":"Firefox on Linux","current":false}]}""")!,
        }),
        ["POST api/auth/register"] = (JsonNode.Parse("""{"email":"grace@example.com","password":"violet harbor quartz lantern","displayName":"Grace Hopper"}"""), new()
        {
            ["202"] = JsonNode.Parse("""{"status":"confirmation_sent","message":"If the address can be registered, a confirmation link is on its way. Open it, then sign in."}""")!,
        }),
    };

    public static OpenApiOptions AddExamples(this OpenApiOptions options) => options.AddOperationTransformer((operation, context, _) =>
    {
        var key = $"{context.Description.HttpMethod} {context.Description.RelativePath}";
        if (!ByRoute.TryGetValue(key, out var examples))
        {
            return Task.CompletedTask;
        }
        if (examples.Request is not null && operation.RequestBody?.Content is { } requestContent)
        {
            foreach (var media in requestContent.Values)
            {
                media.Example = examples.Request.DeepClone();
            }
        }
        foreach (var (status, example) in examples.Responses)
        {
            operation.Responses ??= new OpenApiResponses();
            if (!operation.Responses.TryGetValue(status, out var response))
            {
                response = new OpenApiResponse { Description = status };
                operation.Responses[status] = response;
            }
            if (response is OpenApiResponse concrete)
            {
                concrete.Content ??= new Dictionary<string, OpenApiMediaType>();
                var mediaType = concrete.Content.Count > 0 ? concrete.Content.Values.First() : (concrete.Content["application/json"] = new OpenApiMediaType());
                mediaType.Example = example.DeepClone();
            }
        }
        return Task.CompletedTask;
    });
}
