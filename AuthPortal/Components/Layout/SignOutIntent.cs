namespace AuthPortal.Components.Layout;

/// <summary>
/// Set (per circuit) when the person clicked "Sign out": the session revocation that follows is then
/// expected, and the layout must not redirect to "your session ended" while the sign-out completes.
/// </summary>
public sealed class SignOutIntent
{
    public bool Requested { get; set; }
}
