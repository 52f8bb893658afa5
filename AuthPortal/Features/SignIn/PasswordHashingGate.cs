namespace AuthPortal.Features.SignIn;

/// <summary>
/// Lets at most one password check per core run at once; the others wait their turn without holding a thread.
/// A check is PBKDF2 (about 40 ms of one core) run synchronously on a thread-pool thread. With more checks in flight
/// than cores they only share the cores out (none finishes sooner), each holds a pool thread for its whole length,
/// and the pool, seeing its threads blocked, adds more: under a burst of sign-ins everything else in the process waits
/// behind them. Real checks and the stand-in one spent on unknown or locked accounts queue here alike, so waiting
/// time says nothing about the account either.
/// </summary>
public sealed class PasswordHashingGate
{
    private readonly SemaphoreSlim _slots = new(Environment.ProcessorCount, Environment.ProcessorCount);

    public async Task<T> RunAsync<T>(Func<Task<T>> check)
    {
        await _slots.WaitAsync();
        try
        {
            return await check();
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>A synchronous check (the hasher itself), run on this thread once it has its turn.</summary>
    public Task<T> RunBlockingAsync<T>(Func<T> check) => RunAsync(() => Task.FromResult(check()));
}
