using AuthPortal.Data;

namespace AuthPortal.Features.SignIn;

public static class LockoutRules
{
    /// <summary>
    /// A lock only an administrator lifts: set from the admin page, or from failed sign-ins with
    /// Lockout:Minutes = 0. Both end a century away; lockouts from guessing end within a year at most.
    /// </summary>
    public static bool IsHeldByAdministrator(AppUser user, DateTimeOffset now) =>
        user.LockoutEnd is { } end && end - now > TimeSpan.FromDays(366);
}
