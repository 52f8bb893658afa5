using AuthPortal.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AuthPortal.Features.SignIn;

/// <summary>
/// Counts wrong passwords and codes toward lockout in the database, so the limit holds however many requests and
/// instances check at once. Each check first takes one of the account's <c>MaxFailedAccessAttempts</c> slots with an
/// atomic update; a check that finds no slot free is answered as locked without testing the secret. A right secret
/// gives its slot back; a wrong one keeps it, and the one that fills the last slot locks the account. So exactly
/// <c>MaxFailedAccessAttempts</c> wrong secrets are ever tested before the lock, on any number of instances.
/// </summary>
public sealed class LockoutCounter(AppDbContext db, UserManager<AppUser> userManager, TimeProvider time)
{
    private int Limit => userManager.Options.Lockout.MaxFailedAccessAttempts;

    /// <summary>Takes a slot; false when the account is locked (or every slot is taken by checks under way).</summary>
    public async Task<bool> TryBeginAsync(AppUser user, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var limit = Limit;
        return await db.Users
            .Where(u => u.Id == user.Id && (!u.LockoutEnabled || ((u.LockoutEnd == null || u.LockoutEnd <= now) && u.AccessFailedCount < limit)))
            .ExecuteUpdateAsync(set => set.SetProperty(u => u.AccessFailedCount, u => u.AccessFailedCount + 1), cancellationToken) == 1;
    }

    /// <summary>The secret was right: the slot is given back (the count is cleared only by a complete sign-in).</summary>
    public async Task ReleaseAsync(AppUser user, CancellationToken cancellationToken)
    {
        await db.Users.Where(u => u.Id == user.Id && u.AccessFailedCount > 0)
            .ExecuteUpdateAsync(set => set.SetProperty(u => u.AccessFailedCount, u => u.AccessFailedCount - 1), cancellationToken);
        await RefreshAsync(user, cancellationToken);
    }

    /// <summary>A complete sign-in (or a right password with no second factor to come): the count starts again.</summary>
    public async Task ClearAsync(AppUser user, CancellationToken cancellationToken)
    {
        await db.Users.Where(u => u.Id == user.Id && u.AccessFailedCount > 0)
            .ExecuteUpdateAsync(set => set.SetProperty(u => u.AccessFailedCount, 0), cancellationToken);
        await RefreshAsync(user, cancellationToken);
    }

    /// <summary>The secret was wrong: the slot stays taken; true when this failure filled the last one and locked the account.</summary>
    public async Task<bool> FailAsync(AppUser user, CancellationToken cancellationToken)
    {
        var lockedUntil = time.GetUtcNow() + userManager.Options.Lockout.DefaultLockoutTimeSpan;
        var limit = Limit;
        // Only one check can see the full count: the update that locks also empties it, as Identity's lockout does.
        var lockedNow = await db.Users.Where(u => u.Id == user.Id && u.LockoutEnabled && u.AccessFailedCount >= limit)
            .ExecuteUpdateAsync(set => set.SetProperty(u => u.LockoutEnd, lockedUntil).SetProperty(u => u.AccessFailedCount, 0), cancellationToken) == 1;
        await RefreshAsync(user, cancellationToken);
        return lockedNow;
    }

    // The caller's copy of the user must not carry a stale count or lock into a later UpdateAsync.
    private async Task RefreshAsync(AppUser user, CancellationToken cancellationToken)
    {
        if (db.Entry(user).State != EntityState.Detached)
        {
            await db.Entry(user).ReloadAsync(cancellationToken);
        }
    }
}
