using AuthPortal.Data;

namespace AuthPortal.Features.Sessions;

/// <summary>Who ended a session and why (a <see cref="RevocationReasons"/> value), for the row and the audit log.</summary>
public sealed record Revocation(string Reason, string? ActorUserId, ActorKind ActorKind = ActorKind.User)
{
    public static Revocation System(string reason) => new(reason, null, ActorKind.System);
}
