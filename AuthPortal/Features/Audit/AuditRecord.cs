using AuthPortal.Data;

namespace AuthPortal.Features.Audit;

/// <summary>What happened, as a feature describes it. Details must never hold a password, token or key.</summary>
public sealed record AuditRecord(string Action, bool Succeeded = true)
{
    public string? ActorUserId { get; init; }
    public ActorKind ActorKind { get; init; } = ActorKind.User;
    public string? TargetType { get; init; }
    public string? TargetId { get; init; }
    public string? OrganizationId { get; init; }
    public string? IpAddress { get; init; }
    public string? UserAgent { get; init; }
    public object? Details { get; init; }
}
