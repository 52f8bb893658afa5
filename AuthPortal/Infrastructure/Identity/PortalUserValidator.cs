using AuthPortal.Data;
using Microsoft.AspNetCore.Identity;

namespace AuthPortal.Infrastructure.Identity;

/// <summary>
/// Identity's user validator, except that a service account has no email: the portal requires a unique email of people
/// only, so a service account's updates (disable, lockout bookkeeping, profile) are not refused for lacking one.
/// </summary>
public sealed class PortalUserValidator(IdentityErrorDescriber describer) : UserValidator<AppUser>(describer)
{
    private readonly string _invalidEmail = describer.InvalidEmail(null).Code;

    public override async Task<IdentityResult> ValidateAsync(UserManager<AppUser> manager, AppUser user)
    {
        var result = await base.ValidateAsync(manager, user);
        if (result.Succeeded || !user.IsServiceAccount || user.Email is not null)
        {
            return result;
        }
        var remaining = result.Errors.Where(e => e.Code != _invalidEmail).ToArray();
        return remaining.Length == 0 ? IdentityResult.Success : IdentityResult.Failed(remaining);
    }
}
