using Microsoft.AspNetCore.Identity;

namespace AuthPortal.Data;

public sealed class AppUser : IdentityUser
{
    public string DisplayName { get; set; } = "";

    /// <summary>IANA time zone id used to show dates in the UI.</summary>
    public string TimeZone { get; set; } = "UTC";

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastSignInAt { get; set; }

    /// <summary>Set when an administrator disables the account; a disabled user cannot sign in.</summary>
    public DateTimeOffset? DisabledAt { get; set; }

    /// <summary>
    /// The RFC 6238 time step of the last authenticator code accepted: a code of that step or an earlier one is
    /// never accepted again, in any spelling, on any instance.
    /// </summary>
    public long? LastTotpTimeStep { get; set; }

    /// <summary>
    /// A machine rather than a person: no password, no email, no UI sign-in. It holds roles and API keys, and an
    /// administrator manages it on /admin/service-accounts.
    /// </summary>
    public bool IsServiceAccount { get; set; }

    /// <summary>What a service account is for and who looks after it (people leave this empty).</summary>
    public string? Description { get; set; }
}
