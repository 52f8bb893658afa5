using AuthPortal.Data;
using AuthPortal.Features.Audit;
using Microsoft.AspNetCore.Identity;

namespace AuthPortal.Components.Account;

public enum PasswordSignInOutcome
{
    Succeeded,
    RequiresTwoFactor,
    EmailNotConfirmed,

    /// <summary>Unknown user, wrong password, locked or disabled: the caller shows one generic message.</summary>
    Failed,
}

/// <summary>
/// Password sign-in for the login page: finds the user by email or user name, counts failures toward
/// lockout (the template's <c>lockoutOnFailure: false</c> does not) and records every outcome in the audit log.
/// </summary>
public sealed class PasswordSignIn(
    UserManager<AppUser> userManager,
    SignInManager<AppUser> signInManager,
    AuditLog audit,
    TimeProvider time)
{
    public async Task<(PasswordSignInOutcome Outcome, AppUser? User)> SignInAsync(string login, string password, bool remember)
    {
        var user = await FindByEmailOrUserNameAsync(login);
        if (user is null)
        {
            // Spend the time a real password check takes, so timing does not reveal unknown accounts.
            userManager.PasswordHasher.VerifyHashedPassword(new AppUser(), DummyHash, password);
            await RecordFailureAsync(null, login, "unknown_user");
            return (PasswordSignInOutcome.Failed, null);
        }

        var wasLockedOut = await userManager.IsLockedOutAsync(user);
        var result = await signInManager.PasswordSignInAsync(user, password, remember, lockoutOnFailure: true);

        if (result.Succeeded)
        {
            user.LastSignInAt = time.GetUtcNow();
            await userManager.UpdateAsync(user);
            await audit.RecordAsync(new AuditRecord(AuditActions.SignInSucceeded)
            {
                ActorUserId = user.Id, TargetType = "user", TargetId = user.Id, Details = new { method = "password" },
            });
            return (PasswordSignInOutcome.Succeeded, user);
        }
        if (result.RequiresTwoFactor)
        {
            return (PasswordSignInOutcome.RequiresTwoFactor, user);
        }
        if (result.IsLockedOut)
        {
            await RecordFailureAsync(user, login, wasLockedOut ? "locked_out" : "bad_password");
            if (!wasLockedOut)
            {
                await audit.RecordAsync(new AuditRecord(AuditActions.LockedOut)
                {
                    ActorKind = ActorKind.System, TargetType = "user", TargetId = user.Id,
                    Details = new { until = user.LockoutEnd },
                });
            }
            return (PasswordSignInOutcome.Failed, user);
        }
        if (result.IsNotAllowed)
        {
            // Identity refuses unconfirmed or disabled users before it checks the password, so check it here:
            // only someone who knows the password learns that the email still needs confirming.
            var passwordIsRight = await userManager.CheckPasswordAsync(user, password);
            if (!passwordIsRight)
            {
                await userManager.AccessFailedAsync(user);
                await RecordFailureAsync(user, login, "bad_password");
                return (PasswordSignInOutcome.Failed, user);
            }
            if (user.DisabledAt is null && !user.EmailConfirmed)
            {
                await RecordFailureAsync(user, login, "email_not_confirmed");
                return (PasswordSignInOutcome.EmailNotConfirmed, user);
            }
            await RecordFailureAsync(user, login, "disabled");
            return (PasswordSignInOutcome.Failed, user);
        }

        await RecordFailureAsync(user, login, "bad_password");
        return (PasswordSignInOutcome.Failed, user);
    }

    public async Task<AppUser?> FindByEmailOrUserNameAsync(string login)
    {
        login = login.Trim();
        if (login.Length == 0)
        {
            return null;
        }
        return login.Contains('@')
            ? await userManager.FindByEmailAsync(login) ?? await userManager.FindByNameAsync(login)
            : await userManager.FindByNameAsync(login);
    }

    private Task RecordFailureAsync(AppUser? user, string login, string reason) =>
        audit.RecordAsync(new AuditRecord(AuditActions.SignInFailed, Succeeded: false)
        {
            ActorUserId = user?.Id,
            TargetType = "user",
            TargetId = user?.Id,
            // The attempted login is kept (truncated) to spot attacks; a password typed into it would be
            // an operator-visible leak, so only the first 64 characters are stored.
            Details = new { reason, login = login.Length > 64 ? login[..64] : login },
        });

    private static readonly string DummyHash = new PasswordHasher<AppUser>().HashPassword(new AppUser(), "not-a-real-password");
}
