using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace AuthPortal.Tests.Support;

/// <summary>
/// The managed heap of another .NET process after a full, blocking collection, the way <c>dotnet-gcdump</c> gets it:
/// an EventPipe session with the GCHeapCollect keyword makes the runtime collect, and the heap statistics that follow
/// that induced collection give the size of what is still reachable. Resident memory alone rises and falls with the
/// collector's timing; this is the figure that grows only when something is kept.
/// </summary>
public static class ManagedHeap
{
    /// <summary>The heap after the collection: its generations' sizes, which include the free space the sweep left between objects.</summary>
    public static async Task<long> AfterFullCollectionAsync(int processId, TimeSpan timeout) =>
        (await MeasureAfterFullCollectionAsync(processId, timeout)).HeapBytes;

    /// <summary>
    /// What a full collection found: <paramref name="LiveBytes"/> is what survived it (every generation's promoted bytes:
    /// the reachable objects, what <c>dotnet-gcdump</c> and <c>GC.GetTotalMemory(true)</c> count); <paramref name="HeapBytes"/>
    /// adds the free space a non-compacting sweep leaves between them, which the next allocations fill.
    /// </summary>
    public sealed record Collection(long LiveBytes, long HeapBytes);

    public static async Task<Collection> MeasureAfterFullCollectionAsync(int processId, TimeSpan timeout)
    {
        var client = new DiagnosticsClient(processId);
        using var session = client.StartEventPipeSession(
            new EventPipeProvider(ClrTraceEventParser.ProviderName, EventLevel.Informational,
                (long)(ClrTraceEventParser.Keywords.GC | ClrTraceEventParser.Keywords.GCHeapCollect)),
            requestRundown: false);
        using var source = new EventPipeEventSource(session.EventStream);
        var induced = false;
        var heap = new TaskCompletionSource<Collection>(TaskCreationOptions.RunContinuationsAsynchronously);
        source.Clr.GCStart += e => induced |= e.Reason == GCReason.Induced;
        source.Clr.GCHeapStats += e =>
        {
            if (induced)
            {
                heap.TrySetResult(new Collection(
                    e.TotalPromotedSize0 + e.TotalPromotedSize1 + e.TotalPromotedSize2 + e.TotalPromotedSize3 + e.TotalPromotedSize4,
                    e.GenerationSize0 + e.GenerationSize1 + e.GenerationSize2 + e.GenerationSize3 + e.GenerationSize4));
            }
        };
        var reading = Task.Run(source.Process);
        try
        {
            return await heap.Task.WaitAsync(timeout);
        }
        finally
        {
            session.Stop();
            await reading;
        }
    }
}
