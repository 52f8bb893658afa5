namespace AuthPortal.Features.Audit;

/// <summary>What an audit event is about (<c>TargetType</c>): stored, filtered on and exported, so one spelling each.</summary>
public static class AuditTargets
{
    public const string User = "user";
    public const string ServiceAccount = "serviceaccount";
    public const string Role = "role";
    public const string Organization = "organization";
    public const string OrgRole = "orgrole";
    public const string Invitation = "invitation";
    public const string Session = "session";
    public const string Token = "token";
    public const string ApiKey = "apikey";
}
