namespace AuthPortal.Tests.Support;

/// <summary>The portal on real Kestrel (its limits are the server's, not the test host's).</summary>
public sealed class KestrelPortal : IDisposable
{
    public KestrelPortal()
    {
        Portal = new PortalFactory(null);
        Portal.UseKestrel(0);
        Portal.StartServer();
        // A body the server refuses by its declared length is never sent: the client waits for "100 Continue" (as curl does
        // for large bodies) and gets the refusal instead, however slow the server is to answer.
        Client = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(1) }) { BaseAddress = Portal.ClientOptions.BaseAddress };
        Client.DefaultRequestHeaders.ExpectContinue = true;
    }

    public PortalFactory Portal { get; }

    public HttpClient Client { get; }

    public void Dispose()
    {
        Client.Dispose();
        Portal.Dispose();
    }
}
