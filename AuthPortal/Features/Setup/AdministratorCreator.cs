using AuthPortal.Data;
using AuthPortal.Features.Audit;
using AuthPortal.Features.Roles;
using AuthPortal.Infrastructure.Database;
using AuthPortal.Infrastructure.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AuthPortal.Features.Setup;

/// <summary>
/// Creates the first administrator, only while the portal has no user at all; <paramref name="action"/> (setup page or
/// bootstrap settings) is recorded in the same transaction.
/// </summary>
public sealed class AdministratorCreator(AppDbContext db, UserManager<AppUser> userManager, AuditLog audit, TimeProvider time)
{
    public const string SetupDone = "SetupDone";

    public async Task<IdentityResult> CreateFirstAsync(string email, string displayName, string password, string action, CancellationToken cancellationToken = default)
    {
        var (name, nameError) = DisplayNames.Normalize(string.IsNullOrWhiteSpace(displayName) ? "Administrator" : displayName);
        if (nameError is not null)
        {
            return IdentityResult.Failed(new IdentityError { Code = DisplayNames.Field, Description = nameError });
        }
        // The existence check and the insert share one write transaction under the first-run lock, so two concurrent
        // setup attempts (or two instances starting with Bootstrap:*) cannot both create an administrator.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await WriteLock.AcquireAsync(db.Database, WriteLock.FirstRun, cancellationToken);
        if (await SystemRoles.AdministratorExistsAsync(db, cancellationToken))
        {
            return IdentityResult.Failed(new IdentityError { Code = SetupDone, Description = "The portal already has an administrator; setup is complete." });
        }
        if (await userManager.FindByEmailAsync(email) is not null)
        {
            return IdentityResult.Failed(new IdentityError { Code = "DuplicateEmail", Description = "An account with this email already exists; choose another address for the administrator." });
        }

        var user = new AppUser
        {
            UserName = email,
            Email = email,
            EmailConfirmed = true,
            DisplayName = name!,
            CreatedAt = time.GetUtcNow(),
        };
        var created = await userManager.CreateAsync(user, password);
        if (!created.Succeeded)
        {
            return created;
        }
        var role = await userManager.AddToRoleAsync(user, SystemRoles.Administrator);
        if (!role.Succeeded)
        {
            return role;
        }
        audit.Append(db, new AuditRecord(action) { ActorKind = ActorKind.System, TargetType = AuditTargets.User, TargetId = user.Id, Details = new { email } });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return IdentityResult.Success;
    }
}
