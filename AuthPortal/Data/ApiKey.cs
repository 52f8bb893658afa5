namespace AuthPortal.Data;

/// <summary>A personal API key. Only its SHA-256 and a short display prefix are stored; the key itself is shown once.</summary>
public sealed class ApiKey
{
    public string Id { get; set; } = "";
    public string UserId { get; set; } = "";
    public string Name { get; set; } = "";

    /// <summary><c>apk_</c> and the first 6 characters: enough to recognise a key in a list, useless to an attacker.</summary>
    public string Prefix { get; set; } = "";
    public string SecretHash { get; set; } = "";

    /// <summary>Space-separated permission names (a TokenScope).</summary>
    public string Scopes { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
    public string? LastUsedIp { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }

    public AppUser? User { get; set; }
}

/// <summary>How many requests one API key made on one day (UTC), for "requests in the last 30 days".</summary>
public sealed class ApiKeyDailyUse
{
    public string ApiKeyId { get; set; } = "";

    /// <summary>The day as yyyymmdd.</summary>
    public int Day { get; set; }
    public long Requests { get; set; }
}
