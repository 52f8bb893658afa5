using System.Security.Claims;
using AuthPortal.Data;
using AuthPortal.Features.Account;
using AuthPortal.Features.Sessions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AuthPortal.Components.Account;

/// <summary>
/// Identity's sign-in manager with two additions: disabled accounts are refused like unconfirmed ones,
/// and every real sign-in stamps the cookie with <c>auth_time</c> (see <see cref="RecentSignIn"/>),
/// which cookie refreshes carry over unchanged.
/// </summary>
public sealed class PortalSignInManager(
    UserManager<AppUser> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<AppUser> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<AppUser>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<AppUser> confirmation,
    TimeProvider time,
    UserSessions sessions)
    : SignInManager<AppUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    public override async Task<bool> CanSignInAsync(AppUser user) =>
        user.DisabledAt is null && await base.CanSignInAsync(user);

    public const string SessionClaimType = "sid";

    /// <summary>
    /// Every sign-in (password, 2FA, passkey) passes through here: it gets a new server-side session whose
    /// id the cookie carries as <c>sid</c>. Cookie refreshes pass the existing sid on and keep their session.
    /// </summary>
    public override async Task SignInWithClaimsAsync(AppUser user, AuthenticationProperties? authenticationProperties, IEnumerable<Claim> additionalClaims)
    {
        var claims = additionalClaims.ToList();
        if (!claims.Any(c => c.Type == RecentSignIn.ClaimType))
        {
            claims.Add(RecentSignIn.ClaimFor(time.GetUtcNow()));
        }
        if (!claims.Any(c => c.Type == SessionClaimType))
        {
            var session = await sessions.CreateAsync(user.Id, SessionKind.Browser,
                Context.Connection.RemoteIpAddress?.ToString(), Context.Request.Headers.UserAgent.ToString());
            claims.Add(new Claim(SessionClaimType, session.Id));
        }
        await base.SignInWithClaimsAsync(user, authenticationProperties, claims);
    }

    /// <summary>Signs out and revokes the session the cookie belonged to.</summary>
    public override async Task SignOutAsync()
    {
        var auth = await Context.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var userId = auth.Principal?.FindFirstValue(ClaimTypes.NameIdentifier);
        var sessionId = auth.Principal?.FindFirstValue(SessionClaimType);
        await base.SignOutAsync();
        if (userId is not null && sessionId is not null)
        {
            await sessions.RevokeAsync(userId, sessionId, new Revocation("signed_out", userId));
        }
    }

    /// <summary>Reissues the cookie (after a profile or password change) keeping when the user last signed in.</summary>
    public override async Task RefreshSignInAsync(AppUser user)
    {
        var auth = await Context.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var claims = new List<Claim>();
        foreach (var type in new[] { "amr", ClaimTypes.AuthenticationMethod, RecentSignIn.ClaimType, SessionClaimType })
        {
            if (auth.Principal?.FindFirst(type) is { } claim)
            {
                claims.Add(new Claim(claim.Type, claim.Value, claim.ValueType));
            }
        }
        await SignInWithClaimsAsync(user, auth.Properties, claims);
    }

    /// <summary>Marks the current cookie as freshly authenticated after the user re-entered their password.</summary>
    public async Task RenewAuthenticationTimeAsync(AppUser user)
    {
        var auth = await Context.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var claims = new List<Claim> { RecentSignIn.ClaimFor(time.GetUtcNow()) };
        foreach (var type in new[] { "amr", SessionClaimType })
        {
            if (auth.Principal?.FindFirst(type) is { } claim)
            {
                claims.Add(new Claim(claim.Type, claim.Value));
            }
        }
        await SignInWithClaimsAsync(user, auth.Properties, claims);
    }
}
