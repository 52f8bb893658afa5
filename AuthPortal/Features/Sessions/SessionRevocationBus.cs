namespace AuthPortal.Features.Sessions;

/// <summary>
/// In-process notice that sessions ended, so every live Blazor circuit of those sessions on this instance
/// drops its authentication at once (push, not polling).
/// </summary>
public sealed class SessionRevocationBus
{
    public event Action<IReadOnlyCollection<string>>? Revoked;

    public void Publish(IReadOnlyCollection<string> sessionIds) => Revoked?.Invoke(sessionIds);
}
