using AuthPortal.Data;
using Microsoft.EntityFrameworkCore;

namespace AuthPortal.Features.Roles;

/// <summary>The built-in system roles and the questions other features ask about them.</summary>
public static class SystemRoles
{
    public const string Administrator = "Administrator";

    /// <summary>
    /// Setup and bootstrap stay available until someone holds Administrator, so an early
    /// self-registration cannot lock the operator out of their own portal.
    /// </summary>
    public static Task<bool> AdministratorExistsAsync(AppDbContext db, CancellationToken cancellationToken = default) =>
        AdministratorUserIds(db).AnyAsync(cancellationToken);

    public static Task<int> CountAdministratorsAsync(AppDbContext db, CancellationToken cancellationToken = default) =>
        AdministratorUserIds(db).CountAsync(cancellationToken);

    /// <summary>
    /// Whether taking <paramref name="userId"/> out of use as an administrator (demoting, locking, disabling, deleting)
    /// would leave no administrator who can sign in. Call it inside the write transaction that makes the change: it first
    /// writes to the Administrator role row, so concurrent changes of this kind queue behind one another on every
    /// database (SQLite's write lock, a row lock elsewhere) and each counts what the one before it left.
    /// </summary>
    public static async Task<bool> WouldRemoveLastAdministratorAsync(AppDbContext db, string userId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await db.Roles.Where(r => r.Name == Administrator)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.ConcurrencyStamp, Guid.NewGuid().ToString()), cancellationToken);
        var administrators = UsableAdministrators(db, now);
        return await administrators.AnyAsync(id => id == userId, cancellationToken)
            && !await administrators.AnyAsync(id => id != userId, cancellationToken);
    }

    // People only: a service account cannot sign in to the UI, so it cannot stand in for the last administrator.
    private static IQueryable<string> AdministratorUserIds(AppDbContext db) =>
        from userRole in db.UserRoles
        join role in db.Roles on userRole.RoleId equals role.Id
        join user in db.Users on userRole.UserId equals user.Id
        where role.Name == Administrator && !user.IsServiceAccount
        select userRole.UserId;

    private static IQueryable<string> UsableAdministrators(AppDbContext db, DateTimeOffset now) =>
        from userRole in db.UserRoles
        join role in db.Roles on userRole.RoleId equals role.Id
        join user in db.Users on userRole.UserId equals user.Id
        where role.Name == Administrator && !user.IsServiceAccount && user.DisabledAt == null && (user.LockoutEnd == null || user.LockoutEnd <= now)
        select userRole.UserId;
}
