namespace AuthPortal.Features.Dashboard;

public static class DashboardRoutes
{
    /// <summary>The dashboard, saying that the page the person had open is no longer theirs to see.</summary>
    public const string PermissionsChanged = "/?permissionsChanged=1";
}
