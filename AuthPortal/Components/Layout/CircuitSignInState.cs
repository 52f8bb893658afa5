namespace AuthPortal.Components.Layout;

/// <summary>
/// What this circuit knows about its own sign-in, so that <see cref="SessionEndedRedirect"/> alone reacts to
/// losing it and the router's <see cref="RedirectToLogin"/> stays out of its way.
/// </summary>
public sealed class CircuitSignInState
{
    /// <summary>The circuit started signed in, so losing authentication means the session ended.</summary>
    public bool WasSignedIn { get; set; }
}
