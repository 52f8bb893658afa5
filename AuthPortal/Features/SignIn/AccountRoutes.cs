using AuthPortal.Features.Sessions;

namespace AuthPortal.Features.SignIn;

/// <summary>The account pages' routes, relied on by redirects, cookies and emailed links: one spelling each.</summary>
public static class AccountRoutes
{
    public const string Login = "/Account/Login";
    public const string LoginWith2fa = "/Account/LoginWith2fa";
    public const string LoginWithRecoveryCode = "/Account/LoginWithRecoveryCode";
    public const string Logout = "/Account/Logout";
    public const string Lockout = "/Account/Lockout";
    public const string AccessDenied = "/Account/AccessDenied";
    public const string Register = "/Account/Register";
    public const string Reauthenticate = "/Account/Reauthenticate";
    public const string ConfirmEmail = "/Account/ConfirmEmail";
    public const string ConfirmEmailChange = "/Account/ConfirmEmailChange";
    public const string ResetPassword = "/Account/ResetPassword";
    public const string ForgotPassword = "/Account/ForgotPassword";
    public const string ResendEmailConfirmation = "/Account/ResendEmailConfirmation";
    public const string RegisterConfirmation = "/Account/RegisterConfirmation";
    public const string PersonalData = "/Account/PersonalData";
    public const string DeleteAccount = "/Account/DeleteAccount";
    public const string AddPasskey = "/Account/Passkeys/Add";

    /// <summary>The login page, saying the session ended when <paramref name="sessionEnded"/>, and coming back to <paramref name="returnUrl"/>.</summary>
    public static string LoginUrl(string? returnUrl, bool sessionEnded = false)
    {
        var query = new List<string>();
        if (sessionEnded)
        {
            query.Add($"{SessionCookieEvents.SessionEndedParameter}=1");
        }
        if (!string.IsNullOrEmpty(returnUrl))
        {
            query.Add($"returnUrl={Uri.EscapeDataString(returnUrl)}");
        }
        return query.Count == 0 ? Login : $"{Login}?{string.Join('&', query)}";
    }

    public static string ReauthenticateUrl(string returnUrl) => $"{Reauthenticate}?returnUrl={Uri.EscapeDataString(returnUrl)}";
}
