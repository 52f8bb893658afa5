using System.Security.Claims;
using AuthPortal.Infrastructure.Options;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.Extensions.Options;

namespace AuthPortal.Features.Roles;

/// <summary>
/// Per circuit: keeps what a live page shows in step with its user's permissions. A change on this instance arrives as a
/// push (<see cref="PermissionChanges"/>); one made on another instance is found by comparing the permissions as the
/// database has them every Sessions:RevalidationSeconds. Either way the circuit's authentication state is re-issued (same
/// principal), so navigation and the route view check their policies again, without signing out. It also remembers that
/// a change happened, so the page that lost access can leave (to the dashboard, saying why) instead of turning into an
/// access-denied notice in place.
/// </summary>
public sealed class CircuitPermissions(
    AuthenticationStateProvider authentication,
    PermissionChanges changes,
    UserPermissions permissions,
    IOptions<SessionPolicyOptions> sessions,
    TimeProvider time,
    ILogger<CircuitPermissions> logger) : CircuitHandler, IDisposable
{
    private CancellationTokenSource? _stop;
    private string? _known;
    private bool _changed;

    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        changes.Changed += OnChanged;
        _stop = new CancellationTokenSource();
        _ = CompareEveryIntervalAsync(_stop.Token);
        return Task.CompletedTask;
    }

    public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        changes.Changed -= OnChanged;
        _stop?.Cancel();
        _stop?.Dispose();
        _stop = null;
    }

    /// <summary>True once after a change: the first page refused afterwards is the one that lost access.</summary>
    public bool TakeChange()
    {
        var changed = _changed;
        _changed = false;
        return changed;
    }

    private void OnChanged(PermissionChange change) => _ = ReissueIfAffectedAsync(change);

    private async Task ReissueIfAffectedAsync(PermissionChange change)
    {
        if (await SignedInAsync() is { } principal && UserIdOf(principal) is { } userId && change.Affects(userId))
        {
            Reissue(principal);
        }
    }

    private async Task CompareEveryIntervalAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(sessions.Value.RevalidationSeconds), time);
        try
        {
            do
            {
                if (await SignedInAsync() is not { } principal || UserIdOf(principal) is not { } userId)
                {
                    continue;
                }
                var now = string.Join(' ', (await permissions.GetFreshAsync(userId, stop)).Order(StringComparer.Ordinal));
                if (_known is not null && _known != now)
                {
                    Reissue(principal);
                }
                _known = now;
            }
            while (await timer.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException)
        {
            // The circuit closed.
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Stopped comparing a circuit's permissions; pushes from this instance still arrive");
        }
    }

    // The same principal in a new state: every AuthorizeView and the route view evaluate their policies again.
    private void Reissue(ClaimsPrincipal principal)
    {
        if (authentication is ServerAuthenticationStateProvider server)
        {
            _changed = true;
            server.SetAuthenticationState(Task.FromResult(new AuthenticationState(principal)));
        }
    }

    private async Task<ClaimsPrincipal?> SignedInAsync()
    {
        try
        {
            var user = (await authentication.GetAuthenticationStateAsync()).User;
            return user.Identity?.IsAuthenticated == true ? user : null;
        }
        catch (InvalidOperationException)
        {
            return null; // the circuit has no authentication state (yet, or any more)
        }
    }

    // Circuits run on the sign-in cookie, which names the user with NameIdentifier.
    private static string? UserIdOf(ClaimsPrincipal principal) => principal.FindFirstValue(ClaimTypes.NameIdentifier);
}
