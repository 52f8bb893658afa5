using System.Security.Claims;
using AuthPortal.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

using AuthPortal.Features.Sessions;

namespace AuthPortal.Features.SignIn;

/// <summary>Adds the display name to the cookie so the shell can greet the user without a query.</summary>
internal sealed class PortalClaimsPrincipalFactory(UserManager<AppUser> userManager, RoleManager<AppRole> roleManager, IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<AppUser, AppRole>(userManager, roleManager, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(AppUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        identity.AddClaim(new Claim(SessionClaims.DisplayName, string.IsNullOrWhiteSpace(user.DisplayName) ? user.UserName ?? "" : user.DisplayName));
        return identity;
    }
}
