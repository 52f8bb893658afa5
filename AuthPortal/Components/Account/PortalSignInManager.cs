using System.Security.Claims;
using AuthPortal.Data;
using AuthPortal.Features.Account;
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
    TimeProvider time)
    : SignInManager<AppUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    public override async Task<bool> CanSignInAsync(AppUser user) =>
        user.DisabledAt is null && await base.CanSignInAsync(user);

    public override Task SignInWithClaimsAsync(AppUser user, AuthenticationProperties? authenticationProperties, IEnumerable<Claim> additionalClaims)
    {
        var claims = additionalClaims.ToList();
        if (!claims.Any(c => c.Type == RecentSignIn.ClaimType))
        {
            claims.Add(RecentSignIn.ClaimFor(time.GetUtcNow()));
        }
        return base.SignInWithClaimsAsync(user, authenticationProperties, claims);
    }

    /// <summary>Reissues the cookie (after a profile or password change) keeping when the user last signed in.</summary>
    public override async Task RefreshSignInAsync(AppUser user)
    {
        var auth = await Context.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var claims = new List<Claim>();
        foreach (var type in new[] { "amr", ClaimTypes.AuthenticationMethod, RecentSignIn.ClaimType })
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
        if (auth.Principal?.FindFirst("amr") is { } amr)
        {
            claims.Add(new Claim(amr.Type, amr.Value));
        }
        await SignInWithClaimsAsync(user, auth.Properties, claims);
    }
}
