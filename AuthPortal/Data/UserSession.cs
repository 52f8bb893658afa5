namespace AuthPortal.Data;

public enum SessionKind
{
    Browser,
    Api,
}

/// <summary>
/// One sign-in: a browser cookie or an API token family. The cookie (or token) carries <see cref="Id"/>
/// as claim <c>sid</c>; every request checks the row, so revoking it ends the sign-in at once.
/// </summary>
public sealed class UserSession
{
    public string Id { get; set; } = "";
    public string UserId { get; set; } = "";
    public SessionKind Kind { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset LastSeenAt { get; set; }

    /// <summary>The absolute end (Sessions:AbsoluteTimeoutHours after sign-in).</summary>
    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
    public string? RevokedReason { get; set; }
    public string? IpAddress { get; set; }
    public string? UserAgent { get; set; }

    public AppUser? User { get; set; }
}
