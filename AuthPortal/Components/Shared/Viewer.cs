using System.Security.Claims;
using AuthPortal.Data;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;

namespace AuthPortal.Components.Shared;

/// <summary>
/// The signed-in person as the UI shows them: display name (app bar) and time zone (every date).
/// Read once per circuit from the database, not the cookie, and updated by the profile page, so a change
/// shows at once instead of at the next sign-in.
/// </summary>
public sealed class Viewer(AuthenticationStateProvider authentication, IDbContextFactory<AppDbContext> dbFactory)
{
    private (string DisplayName, string TimeZone)? _profile;

    /// <summary>Raised when the profile page changes the name or time zone.</summary>
    public event Action? Changed;

    public async Task<string> GetDisplayNameAsync() => (await LoadAsync()).DisplayName;

    public async Task<string> GetTimeZoneAsync() => (await LoadAsync()).TimeZone;

    public void Update(string displayName, string timeZone)
    {
        _profile = (displayName, timeZone);
        Changed?.Invoke();
    }

    private async Task<(string DisplayName, string TimeZone)> LoadAsync()
    {
        if (_profile is { } known)
        {
            return known;
        }
        var principal = (await authentication.GetAuthenticationStateAsync()).User;
        var userId = principal.FindFirstValue(ClaimTypes.NameIdentifier);
        var stored = userId is null ? null : await LoadStoredAsync(userId);
        var profile = (
            stored?.DisplayName ?? principal.Identity?.Name ?? "",
            stored?.TimeZone ?? "UTC");
        _profile = profile;
        return profile;
    }

    private async Task<(string DisplayName, string TimeZone)?> LoadStoredAsync(string userId)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var row = await db.Users.Where(u => u.Id == userId).Select(u => new { u.DisplayName, u.TimeZone }).FirstOrDefaultAsync();
        return row is null ? null : (row.DisplayName, row.TimeZone);
    }
}
