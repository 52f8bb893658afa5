namespace AuthPortal.Features.SignIn;

public enum PasswordSignInOutcome
{
    Succeeded,
    RequiresTwoFactor,
    EmailNotConfirmed,

    /// <summary>Unknown user, wrong password, locked or disabled: the caller shows one generic message.</summary>
    Failed,
}

/// <summary>
/// The login page's password step: <see cref="PasswordVerifier"/> checks and records, then the sign-in manager
/// either issues the cookie or, for a 2FA account, the short-lived cookie the code page continues from.
/// </summary>
public sealed class PasswordSignIn(PasswordVerifier verifier, PortalSignInManager signInManager, SignInRecorder recorder)
{
    public async Task<PasswordSignInOutcome> SignInAsync(string login, string password, bool remember)
    {
        var check = await verifier.CheckSignInAsync(login, password, SignInMethods.Password);
        switch (check.Result)
        {
            case PasswordCheckResult.Succeeded:
                break;
            case PasswordCheckResult.EmailNotConfirmed:
                return PasswordSignInOutcome.EmailNotConfirmed;
            default:
                return PasswordSignInOutcome.Failed;
        }
        var user = check.User!;
        if (await signInManager.SignInAfterPasswordAsync(user, remember) == PasswordStepResult.RequiresTwoFactor)
        {
            return PasswordSignInOutcome.RequiresTwoFactor;
        }
        await recorder.RecordSucceededAsync(user, SignInMethods.Password);
        return PasswordSignInOutcome.Succeeded;
    }
}
