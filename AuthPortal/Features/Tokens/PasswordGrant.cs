using AuthPortal.Data;
using AuthPortal.Features.Audit;
using AuthPortal.Features.Roles;
using AuthPortal.Features.Sessions;
using AuthPortal.Features.SignIn;
using AuthPortal.Infrastructure.Api;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AuthPortal.Features.Tokens;

/// <summary>
/// <c>grant_type=password</c>: the same checks, lockout and audit as the login page (<see cref="PasswordVerifier"/>,
/// <see cref="TotpVerifier"/>), then a new API session with an access and a refresh token. The user's last sign-in,
/// the session, the refresh token and the audit events commit in one transaction: all or nothing.
/// </summary>
public sealed class PasswordGrant(
    TokenEndpointLimiter limiter,
    PasswordVerifier passwords,
    TotpVerifier codes,
    SignInRecorder recorder,
    UserPermissions permissions,
    SessionStore sessions,
    TokenIssuer issuer,
    AuditLog audit,
    AppDbContext db)
{
    public async Task<Results<Ok<TokenResponse>, BadRequest<TokenError>, ProblemHttpResult>> GrantAsync(HttpContext context, TokenRequest request)
    {
        var login = request["username"]?.Trim();
        var password = request["password"];
        if (string.IsNullOrEmpty(login) || string.IsNullOrEmpty(password))
        {
            return TypedResults.BadRequest(TokenError.InvalidRequest("username and password are required."));
        }
        if (login.Length > 256 || password.Length > 1024)
        {
            return TypedResults.BadRequest(TokenError.InvalidRequest("username or password is too long."));
        }
        if (request.Has("scope") && string.IsNullOrWhiteSpace(request["scope"]))
        {
            // An empty scope is a mistake, not a request for everything: leave it out for every permission you hold.
            return TypedResults.BadRequest(TokenError.InvalidRequest("scope is empty: send permission names, or leave scope out for all you hold."));
        }
        if (limiter.TryAcquire(login) is { } retryAfter)
        {
            return ApiProblem.TooManyRequests(context.Response, retryAfter, "Too many sign-in attempts for this user name. Wait and try again.");
        }
        var check = await passwords.CheckSignInAsync(login, password, SignInMethods.ApiPassword);
        if (!check.Succeeded)
        {
            return InvalidCredentials();
        }
        var user = check.User!;
        if (user.TwoFactorEnabled)
        {
            if (string.IsNullOrWhiteSpace(request["otp"]))
            {
                return TypedResults.BadRequest(new TokenError("mfa_required", "This account uses two-factor authentication: send the current code as otp."));
            }
            if (await codes.VerifyAsync(user, request["otp"]!, SignInMethods.ApiPassword, context.RequestAborted) is not TotpCheckResult.Succeeded)
            {
                return InvalidCredentials();
            }
        }

        var requested = TokenScope.Parse(request["scope"]);
        if (requested.Unknown is { Count: > 0 } unknown)
        {
            return TypedResults.BadRequest(new TokenError("invalid_scope", $"Unknown scope: {string.Join(' ', unknown)}."));
        }
        // A token's scope narrows, never widens: it holds at most what the user may do now.
        var granted = requested.Grant(await permissions.GetAsync(user.Id, context.RequestAborted));
        var (sessionId, refreshToken) = await StartApiSessionAsync(context, user, granted);
        var tokens = await issuer.CreateAccessTokenAsync(user.Id, sessionId, granted, context.RequestAborted);
        return TypedResults.Ok(TokenResponse.From(tokens with { RefreshToken = refreshToken }));
    }

    /// <summary>The user's last sign-in, the session, the refresh token and the audit events: one transaction, all or nothing.</summary>
    private async Task<(string SessionId, string RefreshToken)> StartApiSessionAsync(HttpContext context, AppUser user, TokenScope granted)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(context.RequestAborted);
        var session = sessions.Start(db, user.Id, SessionKind.Api, context.Connection.RemoteIpAddress?.ToString(), context.Request.Headers.UserAgent.ToString());
        var (refreshToken, stored) = issuer.NewRefreshToken(session.Id, granted);
        db.RefreshTokens.Add(stored);
        await recorder.SucceededAsync(db, user, SignInMethods.ApiPassword, session.Id, context.RequestAborted);
        audit.Append(db, new AuditRecord(AuditActions.TokenIssued)
        {
            ActorUserId = user.Id, TargetType = AuditTargets.Token, TargetId = stored.Id, Details = new { session = session.Id, grant = "password", scope = granted.ToString() },
        });
        await db.SaveChangesAsync(context.RequestAborted);
        await transaction.CommitAsync(context.RequestAborted);
        return (session.Id, refreshToken);
    }

    // One answer for every failed check, so the response does not say which one failed.
    private static BadRequest<TokenError> InvalidCredentials() =>
        TypedResults.BadRequest(TokenError.InvalidGrant("The user name, password or code is incorrect, or the account cannot sign in."));
}
