namespace AuthPortal.Tests.Features.SignIn;

/// <summary>
/// Password checks beyond one per core wait their turn (asynchronously) instead of slicing the cores and holding
/// thread-pool threads; the stand-in check for an unknown account queues the same way, so waiting says nothing about it.
/// </summary>
public sealed class PasswordHashingGateTests(DefaultPortal factory) : IClassFixture<DefaultPortal>
{
    private static int Cores => Environment.ProcessorCount;

    // A broken gate fails these tests instead of hanging them: nothing here should take more than a moment.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task AtMostOneCheckPerCoreRunsAtOnce()
    {
        var gate = new PasswordHashingGate();
        var release = new TaskCompletionSource();
        var (checks, entered) = StartChecksThatWait(gate, Cores + 3, release.Task);

        // Without the limit every check would have entered by now: each runs synchronously up to its first await.
        Assert.Equal(Cores, entered());
        release.SetResult();
        Assert.All(await Task.WhenAll(checks).WaitAsync(Patience), Assert.True);
        Assert.Equal(Cores + 3, entered());
    }

    [Fact]
    public async Task ACheckThatFailsGivesItsTurnBack()
    {
        var gate = new PasswordHashingGate();
        for (var i = 0; i < Cores + 1; i++)
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => gate.RunBlockingAsync<bool>(() => throw new InvalidOperationException("hasher failed")).WaitAsync(Patience));
        }
        var release = new TaskCompletionSource();
        var (checks, entered) = StartChecksThatWait(gate, Cores, release.Task);
        Assert.Equal(Cores, entered());
        release.SetResult();
        await Task.WhenAll(checks).WaitAsync(Patience);
    }

    [Fact]
    public async Task AnUnknownAccountsStandInCheckWaitsForATurnLikeARealOne()
    {
        var gate = factory.Services.GetRequiredService<PasswordHashingGate>();
        var release = new TaskCompletionSource();
        var (holders, _) = StartChecksThatWait(gate, Cores, release.Task);

        await using var scope = factory.Services.CreateAsyncScope();
        var verifier = scope.ServiceProvider.GetRequiredService<PasswordVerifier>();
        var unknown = verifier.CheckSignInAsync($"nobody-{Guid.NewGuid():N}@example.com", "some password", SignInMethods.Password);

        // A stand-in check takes well under a second when it has a turn; here every turn is taken.
        Assert.NotSame(unknown, await Task.WhenAny(unknown, Task.Delay(TimeSpan.FromSeconds(1))));
        release.SetResult();
        await Task.WhenAll(holders).WaitAsync(Patience);
        Assert.Equal(PasswordCheckResult.UnknownUser, (await unknown.WaitAsync(Patience)).Result);
    }

    /// <summary>Starts <paramref name="count"/> checks that hold their turn until <paramref name="release"/> completes.</summary>
    private static (List<Task<bool>> Checks, Func<int> Entered) StartChecksThatWait(PasswordHashingGate gate, int count, Task release)
    {
        var entered = 0;
        var checks = Enumerable.Range(0, count).Select(_ => gate.RunAsync(async () =>
        {
            Interlocked.Increment(ref entered);
            await release;
            return true;
        })).ToList();
        return (checks, () => Volatile.Read(ref entered));
    }
}
