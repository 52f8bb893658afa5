using System.Security.Claims;
using AuthPortal.Data;

namespace AuthPortal.Features.Audit;

/// <summary>
/// The claim that marks a request made by a service account (through its API key, or a token exchanged for one), so the
/// audit log records the actor as <see cref="ActorKind.ServiceAccount"/> whichever feature describes the action.
/// </summary>
public static class ActorKindClaim
{
    public const string Type = "actor_kind";

    public static KeyValuePair<string, string> ServiceAccount { get; } = new(Type, nameof(ActorKind.ServiceAccount));

    /// <summary>True when <paramref name="principal"/> is the service account <paramref name="userId"/>.</summary>
    public static bool MarksServiceAccount(ClaimsPrincipal principal, string? userId) =>
        userId is not null && principal.FindFirstValue(Type) == ServiceAccount.Value
        // Both bearer schemes name the principal by its subject (the user id).
        && principal.Identity?.Name == userId;
}
