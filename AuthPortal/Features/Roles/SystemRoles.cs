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

    // People only: a service account cannot sign in to the UI, so it cannot stand in for the last administrator.
    private static IQueryable<string> AdministratorUserIds(AppDbContext db) =>
        from userRole in db.UserRoles
        join role in db.Roles on userRole.RoleId equals role.Id
        join user in db.Users on userRole.UserId equals user.Id
        where role.Name == Administrator && !user.IsServiceAccount
        select userRole.UserId;
}
