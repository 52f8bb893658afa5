namespace AuthPortal.Features.Audit;

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
    public const string UserCreated = "user.created";
    public const string UserUpdated = "user.updated";
    public const string UserDisabled = "user.disabled";
    public const string UserEnabled = "user.enabled";
    public const string UserLocked = "user.locked";
    public const string UserUnlocked = "user.unlocked";
    public const string RoleCreated = "role.created";
    public const string RoleChanged = "role.changed";
    public const string RoleDeleted = "role.deleted";
    public const string RoleAssigned = "role.assigned";
    public const string RoleRemoved = "role.removed";
    public const string ApiKeyCreated = "apikey.created";
    public const string ApiKeyRenamed = "apikey.renamed";
    public const string ApiKeyRevoked = "apikey.revoked";
    public const string ApiKeyRevokedUsed = "apikey.revoked_used";
    public const string ApiKeyExpiredUsed = "apikey.expired_used";
}
