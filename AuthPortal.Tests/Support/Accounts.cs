namespace AuthPortal.Tests.Support;

public static class Accounts
{
    public const string Password = "correct horse battery staple";

    /// <summary>Creates a user straight through Identity (for tests whose subject is not registration).</summary>
    public static async Task<AppUser> CreateUserAsync(this PortalFactory factory, string email, bool confirmed = true, bool administrator = false, string password = Password)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = new AppUser { UserName = email, Email = email, EmailConfirmed = confirmed, DisplayName = email.Split('@')[0], CreatedAt = DateTimeOffset.UtcNow };
        var result = await users.CreateAsync(user, password);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Description)));
        if (administrator)
        {
            Assert.True((await users.AddToRoleAsync(user, SystemRoles.Administrator)).Succeeded);
        }
        return user;
    }

    /// <summary>A custom system role holding <paramref name="permissions"/> (as the role admin will make them).</summary>
    public static async Task CreateRoleAsync(this PortalFactory factory, string name, params string[] permissions)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<AppRole>>();
        var role = new AppRole(name) { Description = $"{name} (test role)" };
        Assert.True((await roles.CreateAsync(role)).Succeeded);
        foreach (var permission in permissions)
        {
            Assert.True((await roles.AddClaimAsync(role, new System.Security.Claims.Claim(Permissions.ClaimType, permission))).Succeeded);
        }
    }

    public static async Task AddToRoleAsync(this PortalFactory factory, AppUser user, string role)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        Assert.True((await users.AddToRoleAsync((await users.FindByIdAsync(user.Id))!, role)).Succeeded);
    }

    public static Task<HttpResponseMessage> SignInAsync(this HttpClient client, string login, string password = Password, string? returnUrl = null) =>
        client.SubmitAsync(returnUrl is null ? "/Account/Login" : $"/Account/Login?returnUrl={Uri.EscapeDataString(returnUrl)}", "login",
            new Dictionary<string, string> { ["Input.Login"] = login, ["Input.Password"] = password });
}
