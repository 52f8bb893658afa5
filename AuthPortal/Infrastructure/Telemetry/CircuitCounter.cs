using Microsoft.AspNetCore.Components.Server.Circuits;

namespace AuthPortal.Infrastructure.Telemetry;

/// <summary>Counts open Blazor circuits for <see cref="PortalMetrics"/> (one handler per circuit).</summary>
public sealed class CircuitCounter(PortalMetrics metrics) : CircuitHandler
{
    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        metrics.CircuitOpened();
        return Task.CompletedTask;
    }

    public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        metrics.CircuitClosed();
        return Task.CompletedTask;
    }
}
