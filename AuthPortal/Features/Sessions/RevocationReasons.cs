namespace AuthPortal.Features.Sessions;

/// <summary>Why a session ended: stored in <c>UserSession.RevokedReason</c> and in audit details, so one spelling each.</summary>
public static class RevocationReasons
{
    public const string SignedOut = "signed_out";
    public const string RevokedByUser = "revoked_by_user";
    public const string RevokedOthersByUser = "revoked_others_by_user";
    public const string RevokedByAdmin = "revoked_by_admin";
    public const string DisabledByAdmin = "disabled_by_admin";
    public const string LockedByAdmin = "locked_by_admin";
    public const string PasswordChanged = "password_changed";
    public const string PasswordReset = "password_reset";
    public const string EmailChanged = "email_changed";
    public const string TwoFactorReset = "2fa_reset";
    public const string RefreshTokenReused = "refresh_token_reused";
    public const string TokenRevoked = "token_revoked";
    public const string IdleTimeout = "idle_timeout";
    public const string AbsoluteTimeout = "absolute_timeout";
}
