namespace AuthPortal.Features.Tokens;

/// <summary>RFC 6749 §5.1 success body.</summary>
public sealed record TokenResponse(string access_token, string token_type, int expires_in, string? refresh_token, string scope)
{
    public static TokenResponse From(IssuedTokens tokens) => new(tokens.AccessToken, "Bearer", tokens.ExpiresIn, tokens.RefreshToken, tokens.Scope);
}

/// <summary>RFC 6749 §5.2 error body.</summary>
public sealed record TokenError(string error, string error_description)
{
    public static TokenError InvalidRequest(string description) => new("invalid_request", description);

    /// <summary>A bad, expired, revoked or reused credential: the same code whatever the cause.</summary>
    public static TokenError InvalidGrant(string description) => new("invalid_grant", description);
}
