using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AuthPortal.Data;
using Microsoft.EntityFrameworkCore;

namespace AuthPortal.Features.Audit;

/// <summary>What happened, as a feature describes it. Details must never hold a password, token or key.</summary>
public sealed record AuditRecord(string Action, bool Succeeded = true)
{
    public string? ActorUserId { get; init; }
    public ActorKind ActorKind { get; init; } = ActorKind.User;
    public string? TargetType { get; init; }
    public string? TargetId { get; init; }
    public string? OrganizationId { get; init; }
    public string? IpAddress { get; init; }
    public string? UserAgent { get; init; }
    public object? Details { get; init; }
}

/// <summary>Dotted action names (DESIGN.md "Shapes that scripts rely on").</summary>
public static class AuditActions
{
    public const string SignInSucceeded = "signin.succeeded";
    public const string SignInFailed = "signin.failed";
    public const string LockedOut = "user.locked_out";
    public const string SignedOut = "signout";
    public const string Registered = "user.registered";
    public const string EmailConfirmed = "user.email_confirmed";
    public const string SetupCompleted = "setup.completed";
    public const string AdminBootstrapped = "setup.bootstrap_admin";
    public const string PasswordResetRequested = "user.password_reset_requested";
    public const string PasswordReset = "user.password_reset";
    public const string PasswordChanged = "user.password_changed";
    public const string EmailChangeRequested = "user.email_change_requested";
    public const string EmailChanged = "user.email_changed";
    public const string ProfileUpdated = "user.profile_updated";
    public const string Reauthenticated = "user.reauthenticated";
    public const string TwoFactorEnabled = "user.2fa_enabled";
    public const string TwoFactorDisabled = "user.2fa_disabled";
    public const string AuthenticatorReset = "user.2fa_authenticator_reset";
    public const string RecoveryCodesGenerated = "user.2fa_recovery_codes_generated";
    public const string RecoveryCodeUsed = "user.2fa_recovery_code_used";
    public const string PasskeyAdded = "user.passkey_added";
    public const string PasskeyRenamed = "user.passkey_renamed";
    public const string PasskeyRemoved = "user.passkey_removed";
    public const string PersonalDataDownloaded = "user.personal_data_downloaded";
    public const string AccountDeleted = "user.deleted";
    public const string SessionCreated = "session.created";
    public const string SessionRevoked = "session.revoked";
    public const string SessionExpired = "session.expired";
    public const string UserDisabled = "user.disabled";
    public const string UserEnabled = "user.enabled";
    public const string UserLocked = "user.locked";
    public const string UserUnlocked = "user.unlocked";
}

/// <summary>
/// The one place features record audit events. Each event stores the hash of the one before it,
/// so the log is a chain: changing or removing a row breaks every hash after it.
/// </summary>
public sealed class AuditLog(
    IDbContextFactory<AppDbContext> dbFactory,
    TimeProvider time,
    IHttpContextAccessor httpContextAccessor,
    ILogger<AuditLog> logger)
{
    // Appends are serialized in this process; across processes the database transaction serializes them
    // (SQLite begins write transactions immediately).
    private static readonly SemaphoreSlim AppendLock = new(1, 1);

    private static readonly JsonSerializerOptions DetailsJson = new(JsonSerializerDefaults.Web);

    public async Task<AuditEvent> RecordAsync(AuditRecord record, CancellationToken cancellationToken = default)
    {
        var http = httpContextAccessor.HttpContext;
        var auditEvent = new AuditEvent
        {
            OccurredAt = time.GetUtcNow(),
            Action = record.Action,
            ActorUserId = record.ActorUserId,
            ActorKind = record.ActorKind,
            TargetType = record.TargetType,
            TargetId = record.TargetId,
            OrganizationId = record.OrganizationId,
            IpAddress = record.IpAddress ?? http?.Connection.RemoteIpAddress?.ToString(),
            UserAgent = Truncate(record.UserAgent ?? http?.Request.Headers.UserAgent.ToString(), 512),
            Succeeded = record.Succeeded,
            Details = record.Details is null ? null : JsonSerializer.Serialize(record.Details, DetailsJson),
        };

        await AppendLock.WaitAsync(cancellationToken);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            auditEvent.PreviousHash = await db.AuditEvents.OrderByDescending(e => e.Id)
                .Select(e => e.Hash).FirstOrDefaultAsync(cancellationToken) ?? "";
            auditEvent.Hash = ComputeHash(auditEvent);
            db.AuditEvents.Add(auditEvent);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        finally
        {
            AppendLock.Release();
        }

        logger.LogInformation("Audit {Action} succeeded={Succeeded} actor={ActorUserId} target={TargetType}/{TargetId}",
            auditEvent.Action, auditEvent.Succeeded, auditEvent.ActorUserId, auditEvent.TargetType, auditEvent.TargetId);
        return auditEvent;
    }

    /// <summary>SHA-256 over the previous hash and every recorded field, as lowercase hex.</summary>
    public static string ComputeHash(AuditEvent e)
    {
        var canonical = string.Join('\u001f',
            e.PreviousHash, e.OccurredAt.UtcTicks, e.Action, e.ActorUserId, e.ActorKind, e.TargetType, e.TargetId,
            e.OrganizationId, e.IpAddress, e.UserAgent, e.Succeeded, e.Details);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    /// <summary>Checks the whole chain; returns the id of the first event that does not match, or null.</summary>
    public async Task<long?> FindFirstBrokenLinkAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var previous = "";
        await foreach (var e in db.AuditEvents.AsNoTracking().OrderBy(e => e.Id).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            if (e.PreviousHash != previous || e.Hash != ComputeHash(e))
            {
                return e.Id;
            }
            previous = e.Hash;
        }
        return null;
    }

    private static string? Truncate(string? value, int max) =>
        string.IsNullOrEmpty(value) ? null : value.Length <= max ? value : value[..max];
}
