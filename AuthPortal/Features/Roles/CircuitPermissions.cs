namespace AuthPortal.Features.Roles;

/// <summary>
/// Per circuit: whether the user's permissions changed while their pages were open, so the page they may no longer
/// see can leave (to the dashboard, saying why) instead of turning into an access-denied notice in place.
/// </summary>
public sealed class CircuitPermissions
{
    private bool _changed;

    public void MarkChanged() => _changed = true;

    /// <summary>True once after a change: the first page refused afterwards is the one that lost access.</summary>
    public bool TakeChange()
    {
        var changed = _changed;
        _changed = false;
        return changed;
    }
}
