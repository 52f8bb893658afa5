using AuthPortal.Data;
using AuthPortal.Features.Audit;
using AuthPortal.Features.Sessions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace AuthPortal.Features.Tokens;

public enum RefreshOutcome { Rotated, Invalid, Reused }

/// <summary>
/// <c>grant_type=refresh_token</c>: each refresh token works once and is replaced (rotation). Presenting one that
/// was already used revokes the whole session and so every token from it (RFC 9700 §4.14.2). Two requests
/// racing with the same token: the atomic "consume" lets exactly one win; the other gets invalid_grant
/// (within <see cref="ConcurrentUseGrace"/> of the rotation that is not treated as reuse).
/// </summary>
public sealed class RefreshGrant(IDbContextFactory<AppDbContext> dbFactory, SessionStore sessions, TokenIssuer issuer, AuditLog audit, RotationCommits rotations,
    TimeProvider time)
{
    /// <summary>How long after a rotation a second use of the same token counts as a race, not as theft.</summary>
    public static readonly TimeSpan ConcurrentUseGrace = TimeSpan.FromSeconds(2);

    public sealed record Result(RefreshOutcome Outcome, IssuedTokens? Tokens = null);

    public async Task<Results<Ok<TokenResponse>, BadRequest<TokenError>, ProblemHttpResult>> GrantAsync(TokenRequest request, CancellationToken cancellationToken)
    {
        var raw = request["refresh_token"];
        if (string.IsNullOrEmpty(raw))
        {
            return TypedResults.BadRequest(TokenError.InvalidRequest("refresh_token is required."));
        }
        var result = await RotateAsync(raw, cancellationToken);
        return result.Outcome switch
        {
            RefreshOutcome.Rotated => TypedResults.Ok(TokenResponse.From(result.Tokens!)),
            // RFC 6749 §5.2: invalid_grant for a bad, expired, revoked or reused refresh token.
            RefreshOutcome.Reused => TypedResults.BadRequest(TokenError.InvalidGrant("This refresh token was already used; its session has been revoked.")),
            _ => TypedResults.BadRequest(TokenError.InvalidGrant("The refresh token is invalid, expired or revoked.")),
        };
    }

    public async Task<Result> RotateAsync(string rawToken, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        RefreshToken? token;
        // Read and let go of the connection: the rotation is written by another context, after a wait in line.
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            token = await db.RefreshTokens.AsNoTracking().Include(t => t.Session)
                .FirstOrDefaultAsync(t => t.TokenHash == RefreshTokenFormat.Hash(rawToken), cancellationToken);
        }
        if (token?.Session is null)
        {
            return new Result(RefreshOutcome.Invalid);
        }
        var userId = token.Session.UserId;
        if (token.ConsumedAt is { } consumedAt)
        {
            // A second request racing the one that just rotated this token is not a thief: it gets
            // invalid_grant and the winner's tokens stay valid. Later use of a spent token is reuse.
            if (now - consumedAt < ConcurrentUseGrace)
            {
                return new Result(RefreshOutcome.Invalid);
            }
            // Someone holds a copy of a token that was already used: end the session for everyone.
            await sessions.RevokeAsync(userId, token.SessionId, Revocation.System(RevocationReasons.RefreshTokenReused),
                new AuditRecord(AuditActions.TokenReuseDetected, Succeeded: false)
                {
                    ActorKind = ActorKind.System, TargetType = AuditTargets.Token, TargetId = token.Id, Details = new { session = token.SessionId, userId },
                }, cancellationToken);
            return new Result(RefreshOutcome.Reused);
        }
        if (token.ExpiresAt <= now)
        {
            return new Result(RefreshOutcome.Invalid);
        }
        // The session came fresh from the database with the token: checked here, without reading it again. One that is
        // not usable goes through the session store, which ends and records an overdue one.
        if (!sessions.IsUsable(token.Session, userId, now))
        {
            await sessions.ValidateAsync(token.SessionId, userId, bypassCache: true, cancellationToken);
            return new Result(RefreshOutcome.Invalid);
        }

        // Consume the old token, store its replacement, link them and record the event in one write transaction (shared
        // with the rotations that arrive together), so a failure midway leaves the old token usable rather than half-rotated.
        var scope = TokenScope.Parse(token.Scope);
        var (raw, replacement) = issuer.NewRefreshToken(token.SessionId, scope);
        var rotation = new Rotation(token.Id, token.SessionId, now, SessionStore.IsTouchDue(token.Session, now), replacement,
            audit.Prepare(new AuditRecord(AuditActions.TokenRefreshed)
            {
                ActorUserId = userId, TargetType = AuditTargets.Token, TargetId = replacement.Id, Details = new { session = token.SessionId, replaced = token.Id },
            }));
        if (!await rotations.CommitAsync(rotation))
        {
            return new Result(RefreshOutcome.Invalid);
        }

        var tokens = await issuer.CreateAccessTokenAsync(userId, token.SessionId, scope, cancellationToken);
        return new Result(RefreshOutcome.Rotated, tokens with { RefreshToken = raw });
    }

    /// <summary>RFC 7009: revoking a refresh token ends its session; unknown tokens are ignored.</summary>
    public async Task RevokeAsync(string rawToken, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var token = await db.RefreshTokens.AsNoTracking().Include(t => t.Session)
            .FirstOrDefaultAsync(t => t.TokenHash == RefreshTokenFormat.Hash(rawToken), cancellationToken);
        if (token?.Session is not null)
        {
            await sessions.RevokeAsync(token.Session.UserId, token.SessionId, new Revocation(RevocationReasons.TokenRevoked, token.Session.UserId),
                new AuditRecord(AuditActions.TokenRevoked)
                {
                    ActorUserId = token.Session.UserId, TargetType = AuditTargets.Token, TargetId = token.Id, Details = new { session = token.SessionId },
                }, cancellationToken);
        }
    }
}
