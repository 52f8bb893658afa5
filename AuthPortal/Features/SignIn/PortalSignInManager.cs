using System.Security.Claims;
using AuthPortal.Data;
using AuthPortal.Features.Sessions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AuthPortal.Features.SignIn;

public enum PasswordStepResult { SignedIn, RequiresTwoFactor }

/// <summary>
/// Identity's sign-in manager, with the cookie side of AuthPortal's sign-in: every real sign-in gets a new
/// server-side session (its id in the cookie as <c>sid</c>) and <c>auth_time</c> (see <see cref="RecentSignIn"/>);
/// disabled accounts are refused like unconfirmed ones; signing out revokes the session. Checking passwords and
/// codes is not done here but in <see cref="PasswordVerifier"/> and <see cref="TotpVerifier"/>.
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
    SessionStore sessions)
    : SignInManager<AppUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    public override async Task<bool> CanSignInAsync(AppUser user) =>
        user.DisabledAt is null && !user.IsServiceAccount && await base.CanSignInAsync(user);

    /// <summary>
    /// After <see cref="PasswordVerifier"/> accepted the password: signs in, or for a 2FA account (on a browser it
    /// does not remember) issues the two-factor cookie that <c>/Account/LoginWith2fa</c> continues from.
    /// </summary>
    public async Task<PasswordStepResult> SignInAfterPasswordAsync(AppUser user, bool isPersistent) =>
        (await SignInOrTwoFactorAsync(user, isPersistent)).RequiresTwoFactor ? PasswordStepResult.RequiresTwoFactor : PasswordStepResult.SignedIn;

    /// <summary>After <see cref="TotpVerifier"/> accepted the code of the user the two-factor cookie names.</summary>
    public async Task CompleteTwoFactorSignInAsync(AppUser user, bool isPersistent, bool rememberClient)
    {
        if (rememberClient)
        {
            await RememberTwoFactorClientAsync(user);
        }
        await Context.SignOutAsync(IdentityConstants.TwoFactorUserIdScheme);
        await SignInWithClaimsAsync(user, isPersistent, [new Claim(SessionClaims.AuthenticationMethod, "mfa")]);
    }

    /// <summary>
    /// Every sign-in (password, 2FA, passkey) passes through here: it gets a new server-side session whose
    /// id the cookie carries as <c>sid</c>. A re-issued cookie passes the existing sid on and keeps its session.
    /// </summary>
    public override async Task SignInWithClaimsAsync(AppUser user, AuthenticationProperties? authenticationProperties, IEnumerable<Claim> additionalClaims)
    {
        var claims = additionalClaims.ToList();
        if (!claims.Any(c => c.Type == SessionClaims.AuthenticationTime))
        {
            claims.Add(RecentSignIn.ClaimFor(time.GetUtcNow()));
        }
        if (!claims.Any(c => c.Type == SessionClaims.SessionId))
        {
            var session = await sessions.StartAsync(user.Id, SessionKind.Browser,
                Context.Connection.RemoteIpAddress?.ToString(), Context.Request.Headers.UserAgent.ToString());
            claims.Add(new Claim(SessionClaims.SessionId, session.Id));
        }
        await base.SignInWithClaimsAsync(user, authenticationProperties, claims);
    }

    /// <summary>Signs out and revokes the session the cookie belonged to.</summary>
    public override async Task SignOutAsync()
    {
        var auth = await Context.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var userId = auth.Principal?.FindUserId();
        var sessionId = auth.Principal?.SessionId();
        await base.SignOutAsync();
        if (userId is not null && sessionId is not null)
        {
            await sessions.RevokeAsync(userId, sessionId, new Revocation(RevocationReasons.SignedOut, userId));
        }
    }

    /// <summary>Marks the current cookie as freshly authenticated after the user re-entered their password.</summary>
    public async Task RenewAuthenticationTimeAsync(AppUser user)
    {
        var auth = await Context.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var claims = new List<Claim> { RecentSignIn.ClaimFor(time.GetUtcNow()) };
        foreach (var type in new[] { SessionClaims.AuthenticationMethod, SessionClaims.SessionId })
        {
            if (auth.Principal?.FindFirst(type) is { } claim)
            {
                claims.Add(new Claim(claim.Type, claim.Value));
            }
        }
        await SignInWithClaimsAsync(user, auth.Properties, claims);
    }
}
