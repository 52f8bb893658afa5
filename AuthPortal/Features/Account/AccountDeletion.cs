using AuthPortal.Data;
using AuthPortal.Features.ApiKeys;
using AuthPortal.Features.Audit;
using AuthPortal.Features.Organizations;
using AuthPortal.Features.Sessions;
using AuthPortal.Features.Roles;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AuthPortal.Features.Account;

/// <summary>Deletes an account, unless it is the last administrator (the portal must keep one).</summary>
public sealed class AccountDeletion(AppDbContext db, UserManager<AppUser> userManager, AuditLog audit, SessionStore sessions, ApiKeyStore apiKeys, TimeProvider time)
{
    public sealed record Result(string? Error);

    public async Task<Result> DeleteAsync(AppUser user, string actorUserId, CancellationToken cancellationToken = default)
    {
        // The "last administrator" check and the delete share one write transaction, so two administrators
        // deleting themselves at once cannot leave the portal with none.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (await SystemRoles.WouldRemoveLastAdministratorAsync(db, user.Id, time.GetUtcNow(), cancellationToken))
        {
            return new Result("You are the last administrator. Make someone else an administrator before deleting your account.");
        }
        // Nor the only owner of an organization: it would be left with nobody to manage it.
        var soleOwnerOf = await (from member in db.OrgMembers
                                 join organization in db.Organizations on member.OrganizationId equals organization.Id
                                 where member.UserId == user.Id && member.OrgRoleId == BuiltInOrgRoles.OwnerId && organization.DeletedAt == null
                                     && !db.OrgMembers.Any(o => o.OrganizationId == member.OrganizationId && o.OrgRoleId == BuiltInOrgRoles.OwnerId && o.UserId != user.Id)
                                 select organization.Name).FirstOrDefaultAsync(cancellationToken);
        if (soleOwnerOf is not null)
        {
            return new Result($"This account is the only owner of {soleOwnerOf}. Make someone else an owner there, or delete the organization, first.");
        }
        var sessionIds = await db.UserSessions.Where(s => s.UserId == user.Id).Select(s => s.Id).ToListAsync(cancellationToken);
        var deleted = await userManager.DeleteAsync(user);
        if (!deleted.Succeeded)
        {
            return new Result(string.Join(" ", deleted.Errors.Select(e => e.Description)));
        }
        // The event commits with the deletion, or neither happens.
        audit.Append(db, new AuditRecord(AuditActions.AccountDeleted)
        {
            ActorUserId = actorUserId, TargetType = AuditTargets.User, TargetId = user.Id, Details = new { email = user.Email },
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        // The rows went with the user (cascade); stop honouring them here at once and tell live circuits.
        sessions.ForgetDeleted(sessionIds);
        apiKeys.ForgetOwner(user.Id);
        return new Result(null);
    }
}
