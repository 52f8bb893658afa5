using System.Collections.Concurrent;

namespace AuthPortal.Features.SignIn;

/// <summary>
/// One password or code check per account at a time in this process, so parallel guesses cannot overwrite each
/// other's failure count (Identity's update loses the race silently). Only existing accounts get a gate, so the
/// dictionary grows with the user count, not with what an attacker types. A singleton; no static state.
/// </summary>
/// <remarks>Across instances the count needs an atomic database update: the PostgreSQL issue replaces this.</remarks>
public sealed class SignInGate
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new();

    public async Task<IDisposable> EnterAsync(string userId, CancellationToken cancellationToken = default)
    {
        var gate = _gates.GetOrAdd(userId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        return new Release(gate);
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
