using AuthPortal.Data;
using AuthPortal.Infrastructure.Identity;

namespace AuthPortal.Features.Audit;

/// <summary>Records a redeemed recovery code in the same save as the code's removal (see <see cref="ProtectedUserStore"/>).</summary>
public sealed class RecoveryCodeRedemptionAudit(AuditLog audit) : IRecoveryCodeRedemptionRecorder
{
    public void Record(AppDbContext db, AppUser user, int codesLeft) =>
        audit.Append(db, new AuditRecord(AuditActions.RecoveryCodeUsed)
        {
            ActorUserId = user.Id, TargetType = AuditTargets.User, TargetId = user.Id, Details = new { remaining = codesLeft },
        });
}
