using System.Diagnostics;

namespace AuthPortal.Features.SignIn;

/// <summary>
/// Keeps a registration for a taken address as slow as one that creates an account, so the time an answer takes does
/// not tell which addresses have accounts. Both paths hash the password; creating an account also writes rows and
/// makes a confirmation code, which a taken address cannot honestly repeat, so its answer waits out the difference:
/// the typical time of recent account creations (a moving average), measured on this instance.
/// </summary>
/// <remarks>Wall-clock time on purpose (not TimeProvider): what is being matched is how long a caller waits.</remarks>
public sealed class RegistrationPace
{
    private readonly Lock _lock = new();
    private double _typicalMilliseconds;

    public static long Start() => Stopwatch.GetTimestamp();

    /// <summary>An account was created in the time since <paramref name="started"/>.</summary>
    public void Created(long started)
    {
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        lock (_lock)
        {
            _typicalMilliseconds = _typicalMilliseconds == 0 ? elapsed : (0.8 * _typicalMilliseconds) + (0.2 * elapsed);
        }
    }

    /// <summary>Waits until a registration that created nothing has taken as long as a typical one that did.</summary>
    public Task MatchAsync(long started, CancellationToken cancellationToken = default)
    {
        double typical;
        lock (_lock)
        {
            typical = _typicalMilliseconds;
        }
        var remaining = typical - Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return remaining > 1 ? Task.Delay(TimeSpan.FromMilliseconds(remaining), cancellationToken) : Task.CompletedTask;
    }
}
