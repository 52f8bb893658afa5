using AuthPortal.Data;
using AuthPortal.Features.Sessions;
using Microsoft.EntityFrameworkCore;

namespace AuthPortal.Features.Tokens;

public enum RefreshOutcome { Rotated, Invalid, Reused }

/// <summary>
/// refresh_token grant: each refresh token works once and is replaced (rotation). Presenting one that was
/// already used revokes the whole session and so every token from it (RFC 9700 §4.14.2). Two requests
/// racing with the same token: the atomic "consume" lets exactly one win; the other gets invalid_grant.
/// </summary>
public sealed class RefreshTokenRotation(IDbContextFactory<AppDbContext> dbFactory, UserSessions sessions, TokenIssuer issuer, TimeProvider time)
{
    public sealed record Result(RefreshOutcome Outcome, IssuedTokens? Tokens = null, string? UserId = null, string? SessionId = null);

    public async Task<Result> RotateAsync(string rawToken, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var token = await db.RefreshTokens.AsNoTracking().Include(t => t.Session)
            .FirstOrDefaultAsync(t => t.TokenHash == RefreshTokenFormat.Hash(rawToken), cancellationToken);
        if (token?.Session is null)
        {
            return new Result(RefreshOutcome.Invalid);
        }
        var userId = token.Session.UserId;
        if (token.ConsumedAt is not null)
        {
            // Someone holds a copy of a token that was already used: end the session for everyone.
            await sessions.RevokeAsync(userId, token.SessionId, Revocation.System("refresh_token_reused"), cancellationToken);
            return new Result(RefreshOutcome.Reused, UserId: userId, SessionId: token.SessionId);
        }
        if (token.ExpiresAt <= now || !await sessions.ValidateAsync(token.SessionId, userId, bypassCache: true, cancellationToken))
        {
            return new Result(RefreshOutcome.Invalid, UserId: userId, SessionId: token.SessionId);
        }

        var consumed = await db.RefreshTokens
            .Where(t => t.Id == token.Id && t.ConsumedAt == null)
            .ExecuteUpdateAsync(set => set.SetProperty(t => t.ConsumedAt, now), cancellationToken);
        if (consumed == 0)
        {
            return new Result(RefreshOutcome.Invalid, UserId: userId, SessionId: token.SessionId);
        }

        var tokens = await issuer.IssueAsync(userId, token.SessionId, token.Scope, withRefreshToken: true, cancellationToken);
        var replacementId = await db.RefreshTokens.Where(t => t.TokenHash == RefreshTokenFormat.Hash(tokens.RefreshToken!)).Select(t => t.Id).SingleAsync(cancellationToken);
        await db.RefreshTokens.Where(t => t.Id == token.Id)
            .ExecuteUpdateAsync(set => set.SetProperty(t => t.ReplacedById, replacementId), cancellationToken);
        return new Result(RefreshOutcome.Rotated, tokens, userId, token.SessionId);
    }

    /// <summary>RFC 7009: revoking a refresh token ends its session; unknown tokens are ignored.</summary>
    public async Task RevokeAsync(string rawToken, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var token = await db.RefreshTokens.AsNoTracking().Include(t => t.Session)
            .FirstOrDefaultAsync(t => t.TokenHash == RefreshTokenFormat.Hash(rawToken), cancellationToken);
        if (token?.Session is not null)
        {
            await sessions.RevokeAsync(token.Session.UserId, token.SessionId, new Revocation("token_revoked", token.Session.UserId), cancellationToken);
        }
    }
}
