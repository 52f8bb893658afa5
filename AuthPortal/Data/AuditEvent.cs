namespace AuthPortal.Data;

public enum ActorKind
{
    User,
    ServiceAccount,
    ApiKey,
    System,
}

/// <summary>
/// One line of the audit log. Events form a hash chain (<see cref="PreviousHash"/> → <see cref="Hash"/>)
/// so that an edited or deleted row is detectable.
/// </summary>
public sealed class AuditEvent
{
    public long Id { get; set; }
    public DateTimeOffset OccurredAt { get; set; }
    public string Action { get; set; } = "";
    public string? ActorUserId { get; set; }
    public ActorKind ActorKind { get; set; }
    public string? TargetType { get; set; }
    public string? TargetId { get; set; }
    public string? OrganizationId { get; set; }
    public string? IpAddress { get; set; }
    public string? UserAgent { get; set; }
    public bool Succeeded { get; set; }

    /// <summary>JSON object with event-specific facts. Never holds a password, token or key.</summary>
    public string? Details { get; set; }

    public string PreviousHash { get; set; } = "";
    public string Hash { get; set; } = "";
}
