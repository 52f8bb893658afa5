using System.Threading.RateLimiting;
using AuthPortal.Infrastructure.Options;
using Microsoft.Extensions.Options;

namespace AuthPortal.Features.Tokens;

/// <summary>Counts token requests per user name (the per-IP limit is the "token" rate-limit policy).</summary>
public sealed class TokenEndpointLimiter(IOptions<RateLimitOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(name =>
        RateLimitPartition.GetFixedWindowLimiter(name.ToUpperInvariant(), _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.Value.TokenPerMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        }));

    /// <summary>Null when allowed; otherwise how long to wait.</summary>
    public TimeSpan? TryAcquire(string userName)
    {
        using var lease = _limiter.AttemptAcquire(userName);
        if (lease.IsAcquired)
        {
            return null;
        }
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
    }

    public void Dispose() => _limiter.Dispose();
}
