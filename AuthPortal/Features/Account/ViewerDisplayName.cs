using System.Security.Claims;
using AuthPortal.Data;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;

namespace AuthPortal.Features.Account;

/// <summary>
/// The signed-in person's display name for the app bar, read once per circuit and updated by the
/// profile page, so a rename shows at once instead of at the next sign-in (the cookie keeps the old one).
/// </summary>
public sealed class ViewerDisplayName(AuthenticationStateProvider authentication, IDbContextFactory<AppDbContext> dbFactory)
{
    private string? _name;

    public event Action? Changed;

    public async Task<string> GetAsync(ClaimsPrincipal fallback)
    {
        if (_name is not null)
        {
            return _name;
        }
        var userId = (await authentication.GetAuthenticationStateAsync()).User.FindFirstValue(ClaimTypes.NameIdentifier);
        if (userId is not null)
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            _name = await db.Users.Where(u => u.Id == userId).Select(u => u.DisplayName).FirstOrDefaultAsync();
        }
        return _name ??= fallback.FindFirstValue("display_name") ?? fallback.Identity?.Name ?? "";
    }

    public void Set(string name)
    {
        _name = name;
        Changed?.Invoke();
    }
}
