using System.Threading.RateLimiting;
using AuthPortal.Infrastructure.Options;
using Microsoft.Extensions.Options;

namespace AuthPortal.Infrastructure.Email;

/// <summary>
/// How many mails the account forms may send to one address: RateLimits:MailsPerAddress per RateLimits:MailWindowMinutes
/// (3 per 15 minutes by default), whoever asks and from wherever. Past it the form answers exactly as before and no
/// mail is sent, so the limit cannot be used to learn anything, and an inbox cannot be flooded.
/// </summary>
public sealed class MailQuota : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;
    private readonly ILogger<MailQuota> _logger;

    public MailQuota(IOptions<RateLimitOptions> options, ILogger<MailQuota> logger)
    {
        _logger = logger;
        _limiter = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetFixedWindowLimiter(address,
            _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = options.Value.MailsPerAddress,
                Window = TimeSpan.FromMinutes(options.Value.MailWindowMinutes),
                QueueLimit = 0,
            }));
    }

    /// <summary>True when one more form mail may go to <paramref name="address"/>.</summary>
    public bool TryTake(string address)
    {
        using var lease = _limiter.AttemptAcquire(address.Trim().ToUpperInvariant());
        if (!lease.IsAcquired)
        {
            _logger.LogWarning("Not sending another account mail to {Address}: it reached RateLimits:MailsPerAddress", address);
        }
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
