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
}
