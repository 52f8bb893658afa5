using System.Security.Claims;
using AuthPortal.Data;
using AuthPortal.Infrastructure.Options;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AuthPortal.Features.Sessions;

/// <summary>
/// Keeps a live Blazor circuit's sign-in honest. A revocation on this instance arrives as a push
/// (<see cref="SessionRevocationBus"/>) and ends the circuit's authentication at once; every
/// Sessions:RevalidationSeconds the circuit also re-reads its session and user from the database, which
/// is how revocations made on other instances arrive.
/// </summary>
internal sealed class SessionCircuitRevalidation : RevalidatingServerAuthenticationStateProvider
{
    private static readonly AuthenticationState SignedOut = new(new ClaimsPrincipal(new ClaimsIdentity()));

    private readonly IServiceScopeFactory _scopeFactory;
    private readonly SessionRevocationBus _bus;
    private readonly TimeSpan _interval;

    public SessionCircuitRevalidation(
        ILoggerFactory loggerFactory,
        IServiceScopeFactory scopeFactory,
        IOptions<SessionPolicyOptions> sessionOptions,
        SessionRevocationBus bus)
        : base(loggerFactory)
    {
        _scopeFactory = scopeFactory;
        _bus = bus;
        _interval = TimeSpan.FromSeconds(sessionOptions.Value.RevalidationSeconds);
        _bus.Revoked += OnRevoked;
    }

    protected override TimeSpan RevalidationInterval => _interval;

    private void OnRevoked(IReadOnlyCollection<string> sessionIds) => _ = EndIfRevokedAsync(sessionIds);

    // Reads the circuit's current sign-in (not a copy remembered earlier, which could still be unset).
    private async Task EndIfRevokedAsync(IReadOnlyCollection<string> sessionIds)
    {
        try
        {
            var state = await GetAuthenticationStateAsync();
            if (state.User.SessionId() is { } current && sessionIds.Contains(current))
            {
                SetAuthenticationState(Task.FromResult(SignedOut));
            }
        }
        catch (InvalidOperationException)
        {
            // The circuit has no authentication state (yet, or any more): nothing to end.
        }
    }

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        var principal = authenticationState.User;
        await using var scope = _scopeFactory.CreateAsyncScope();
        var sessions = scope.ServiceProvider.GetRequiredService<SessionStore>();
        if (!await sessions.ValidateAsync(principal.SessionId(), principal.FindUserId(), bypassCache: true, cancellationToken))
        {
            return false;
        }
        var userManager = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = await userManager.GetUserAsync(principal);
        // Lockout is not checked here: an attacker's failed guesses must not sign the real user out. Nor is
        // the security stamp: enabling 2FA rotates it while the person is still reading their recovery codes;
        // changes that must end sign-ins revoke the sessions instead.
        return user is not null && user.DisabledAt is null;
    }

    protected override void Dispose(bool disposing)
    {
        _bus.Revoked -= OnRevoked;
        base.Dispose(disposing);
    }
}
