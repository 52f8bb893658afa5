using Microsoft.Extensions.Internal;

namespace AuthPortal.Infrastructure.Hosting;

/// <summary>Lets <c>MemoryCache</c> expire entries on the app's <see cref="TimeProvider"/> instead of the system clock.</summary>
internal sealed class TimeProviderClock(TimeProvider time) : ISystemClock
{
    public DateTimeOffset UtcNow => time.GetUtcNow();
}
