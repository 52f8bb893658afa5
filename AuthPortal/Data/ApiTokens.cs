namespace AuthPortal.Data;

/// <summary>An ES256 key that signs access tokens. The private half is encrypted with Data Protection.</summary>
public sealed class SigningKey
{
    /// <summary>The JWT <c>kid</c>.</summary>
    public string Id { get; set; } = "";
    public string Algorithm { get; set; } = "ES256";
    public string PublicJwk { get; set; } = "";
    public string ProtectedPrivateKey { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Set when a newer key takes over: after this the key leaves the JWKS (its tokens have expired).</summary>
    public DateTimeOffset? RetiresAt { get; set; }
}

/// <summary>One refresh token of an API session. Only its SHA-256 is stored; each use replaces it.</summary>
public sealed class RefreshToken
{
    public string Id { get; set; } = "";
    public string SessionId { get; set; } = "";
    public string TokenHash { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? ConsumedAt { get; set; }
    public string? ReplacedById { get; set; }
    public string Scope { get; set; } = "";

    public UserSession? Session { get; set; }
}
