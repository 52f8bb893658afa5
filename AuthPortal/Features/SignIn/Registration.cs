using AuthPortal.Data;
using AuthPortal.Features.Audit;
using AuthPortal.Features.Roles;
using AuthPortal.Infrastructure.Email;
using AuthPortal.Infrastructure.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AuthPortal.Features.SignIn;

/// <summary>Self-registration: creates the account, records it and sends the confirmation link.</summary>
public sealed class Registration(
    AppDbContext db,
    UserManager<AppUser> userManager,
    AccountLinks links,
    IMailSender mail,
    MailQuota quota,
    RegistrationPace pace,
    AuditLog audit,
    TimeProvider time)
{
    public enum Status { Created, AlreadyRegistered, Invalid, NotOpenYet }

    public sealed record Outcome(Status Status, IdentityResult Result, AppUser? User);

    public async Task<Outcome> RegisterAsync(string email, string displayName, string password, string baseUri, string? returnUrl = null)
    {
        if (!await SystemRoles.AdministratorExistsAsync(db))
        {
            // Until the operator has created the administrator, nobody else may take the first account.
            return new Outcome(Status.NotOpenYet, IdentityResult.Failed(), null);
        }

        var started = RegistrationPace.Start();
        email = email.Trim();
        var (name, nameError) = DisplayNames.Normalize(displayName);
        if (nameError is not null)
        {
            return new Outcome(Status.Invalid, IdentityResult.Failed(new IdentityError { Code = DisplayNames.Field, Description = nameError }), null);
        }
        displayName = name!;
        // The password policy runs first, on a stand-in account, so a weak password is refused the same way
        // whether or not the address is taken (otherwise the answer would reveal existing accounts).
        var candidate = new AppUser { UserName = email, Email = email, DisplayName = displayName.Trim() };
        foreach (var validator in userManager.PasswordValidators)
        {
            var check = await validator.ValidateAsync(userManager, candidate, password);
            if (!check.Succeeded)
            {
                return new Outcome(Status.Invalid, check, null);
            }
        }
        var existing = await userManager.FindByEmailAsync(email);
        if (existing is not null)
        {
            return await AlreadyRegisteredAsync(existing, candidate, password, email, baseUri, started);
        }

        var user = new AppUser
        {
            UserName = email,
            Email = email,
            DisplayName = displayName.Trim(),
            CreatedAt = time.GetUtcNow(),
        };
        var result = await audit.RecordWithAsync(db, new AuditRecord(AuditActions.Registered)
        {
            ActorUserId = user.Id, TargetType = AuditTargets.User, TargetId = user.Id, Details = new { method = "self" },
        }, () => userManager.CreateAsync(user, password));
        if (!result.Succeeded && result.Errors.Any(e => e.Code is nameof(IdentityErrorDescriber.DuplicateEmail) or nameof(IdentityErrorDescriber.DuplicateUserName)))
        {
            // Two registrations of the same address at once (Identity's check, or the store's unique index for a closer
            // race): the loser is treated like a repeat, so the answer never says whether the address was free.
            db.ChangeTracker.Clear();
            if (await userManager.FindByEmailAsync(email) is { } taken)
            {
                return await AlreadyRegisteredAsync(taken, candidate, password, email, baseUri, started);
            }
        }
        if (!result.Succeeded)
        {
            return new Outcome(Status.Invalid, result, null);
        }

        // Queued, not sent: the answer does not wait for (or reveal anything through) the mail server.
        await links.SendConfirmationAsync(user, baseUri, returnUrl);
        pace.Created(started);
        return new Outcome(Status.Created, result, user);
    }

    private async Task<Outcome> AlreadyRegisteredAsync(AppUser existing, AppUser candidate, string password, string email, string baseUri, long started)
    {
        try
        {
            return await NotifyOwnerAsync(existing, candidate, password, email, baseUri);
        }
        finally
        {
            await pace.MatchAsync(started);
        }
    }

    private async Task<Outcome> NotifyOwnerAsync(AppUser existing, AppUser candidate, string password, string email, string baseUri)
    {
        // The same work a new account costs (hashing its password), so the time taken does not tell the two apart.
        userManager.PasswordHasher.HashPassword(candidate, password);
        // Tell the address's owner instead of the visitor, so registration does not reveal which
        // emails have accounts.
        if (!quota.TryTake(email))
        {
            return new Outcome(Status.AlreadyRegistered, IdentityResult.Success, existing);
        }
        await mail.SendAsync(AccountEmails.Compose(email, "Someone tried to register with your email",
            "Someone tried to create an AuthPortal account with this email address, which already has one.",
            "Sign in", new Uri(new Uri(baseUri), AccountRoutes.Login.TrimStart('/')).ToString(),
            "If this was you, sign in instead. If not, you can ignore this message."));
        return new Outcome(Status.AlreadyRegistered, IdentityResult.Success, existing);
    }
}
