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

    public static Task<HttpResponseMessage> SignInAsync(this HttpClient client, string login, string password = Password, string? returnUrl = null) =>
        client.SubmitAsync(returnUrl is null ? "/Account/Login" : $"/Account/Login?returnUrl={Uri.EscapeDataString(returnUrl)}", "login",
            new Dictionary<string, string> { ["Input.Login"] = login, ["Input.Password"] = password });
}
