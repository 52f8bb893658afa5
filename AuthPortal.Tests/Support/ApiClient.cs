using System.Net.Http.Headers;
using System.Text.Json;

namespace AuthPortal.Tests.Support;

/// <summary>What a script does: get a token at /api/auth/token, then call /api with it.</summary>
public static class ApiClient
{
    public sealed record Tokens(string AccessToken, string RefreshToken, int ExpiresIn, string Scope);

    public static Task<HttpResponseMessage> PasswordGrantAsync(this HttpClient client, string username, string password = Accounts.Password, string? otp = null, string? scope = null)
    {
        var form = new Dictionary<string, string> { ["grant_type"] = "password", ["username"] = username, ["password"] = password };
        if (otp is not null) form["otp"] = otp;
        if (scope is not null) form["scope"] = scope;
        return client.PostAsync("/api/auth/token", new FormUrlEncodedContent(form));
    }

    public static Task<HttpResponseMessage> RefreshGrantAsync(this HttpClient client, string refreshToken) =>
        client.PostAsync("/api/auth/token", new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = refreshToken }));

    public static async Task<Tokens> TokensAsync(this HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new Tokens(json.GetProperty("access_token").GetString()!, json.GetProperty("refresh_token").GetString()!,
            json.GetProperty("expires_in").GetInt32(), json.GetProperty("scope").GetString()!);
    }

    public static async Task<Tokens> GetTokensAsync(this HttpClient client, string username, string password = Accounts.Password, string? scope = null) =>
        await (await client.PasswordGrantAsync(username, password, scope: scope)).TokensAsync();

    public static Task<HttpResponseMessage> SendWithTokenAsync(this HttpClient client, HttpMethod method, string path, string token, object? json = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (json is not null)
        {
            request.Content = JsonContent.Create(json);
        }
        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> GetWithTokenAsync(this HttpClient client, string path, string token) =>
        client.SendWithTokenAsync(HttpMethod.Get, path, token);

    /// <summary>GET with an API key in <c>X-Api-Key</c>, the header scripts use when Authorization is taken.</summary>
    public static Task<HttpResponseMessage> GetWithApiKeyHeaderAsync(this HttpClient client, string path, string apiKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Api-Key", apiKey);
        return client.SendAsync(request);
    }

    public static async Task<string> ErrorCodeAsync(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString()!;

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>();
}
