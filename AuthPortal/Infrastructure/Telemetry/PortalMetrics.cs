using System.Diagnostics.Metrics;

namespace AuthPortal.Infrastructure.Telemetry;

/// <summary>
/// AuthPortal's own counters (meter <c>AuthPortal</c>), exported with ASP.NET Core's and EF Core's when
/// <c>OpenTelemetry:Endpoint</c> is set. Sign-in, lockout and token counts follow the audit events as they commit, so
/// they count what happened, not what was attempted and rolled back.
/// </summary>
public sealed class PortalMetrics
{
    public const string MeterName = "AuthPortal";

    private readonly Counter<long> _signIns;
    private readonly Counter<long> _failedSignIns;
    private readonly Counter<long> _lockouts;
    private readonly Counter<long> _tokensIssued;
    private readonly Counter<long> _refreshReuse;
    private readonly Counter<long> _apiKeyUses;
    private long _circuits;

    public PortalMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _signIns = meter.CreateCounter<long>("authportal.signins", "{sign-in}", "Completed sign-ins (browser, API, passkey, client credentials)");
        _failedSignIns = meter.CreateCounter<long>("authportal.signins.failed", "{sign-in}", "Refused sign-in attempts");
        _lockouts = meter.CreateCounter<long>("authportal.lockouts", "{account}", "Accounts locked by wrong passwords or codes");
        _tokensIssued = meter.CreateCounter<long>("authportal.tokens.issued", "{token}", "Access tokens issued, by grant");
        _refreshReuse = meter.CreateCounter<long>("authportal.refresh.reuse_detected", "{token}", "Spent refresh tokens presented again");
        _apiKeyUses = meter.CreateCounter<long>("authportal.apikey.uses", "{request}", "Requests authenticated by an API key");
        meter.CreateObservableUpDownCounter("authportal.circuits.active", () => Interlocked.Read(ref _circuits), "{circuit}", "Open Blazor circuits");
    }

    public void SignedIn() => _signIns.Add(1);
    public void SignInFailed() => _failedSignIns.Add(1);
    public void LockedOut() => _lockouts.Add(1);
    public void TokenIssued(string grant) => _tokensIssued.Add(1, new KeyValuePair<string, object?>("grant", grant));
    public void RefreshReuseDetected() => _refreshReuse.Add(1);
    public void ApiKeyUsed() => _apiKeyUses.Add(1);
    public void CircuitOpened() => Interlocked.Increment(ref _circuits);
    public void CircuitClosed() => Interlocked.Decrement(ref _circuits);
}
