using System.Security.Claims;
using AuthPortal.Data;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;

namespace AuthPortal.Features.Account;

/// <summary>
/// The signed-in person's time zone, for showing every date in the UI in their own time. Read once per
/// circuit; the profile page updates it when the person changes it.
/// </summary>
public sealed class ViewerTimeZone(AuthenticationStateProvider authentication, IDbContextFactory<AppDbContext> dbFactory)
{
    private string? _zone;

    public async Task<string> GetAsync()
    {
        if (_zone is not null)
        {
            return _zone;
        }
        var userId = (await authentication.GetAuthenticationStateAsync()).User.FindFirstValue(ClaimTypes.NameIdentifier);
        if (userId is null)
        {
            return _zone = "UTC";
        }
        await using var db = await dbFactory.CreateDbContextAsync();
        return _zone = await db.Users.Where(u => u.Id == userId).Select(u => u.TimeZone).FirstOrDefaultAsync() ?? "UTC";
    }

    public void Set(string zone) => _zone = zone;

    public async Task<string> FormatAsync(DateTimeOffset? value, string format = "yyyy-MM-dd HH:mm") =>
        TimeZones.Format(value, await GetAsync(), format);
}
