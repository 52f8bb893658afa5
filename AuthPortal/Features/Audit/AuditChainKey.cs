using AuthPortal.Infrastructure.Security;

namespace AuthPortal.Features.Audit;

/// <summary>
/// The key the audit chain's HMAC uses. It is stored only encrypted by the Data Protection key ring (whose certificate
/// is outside the database), so someone who can write to the database cannot recompute the chain after an edit.
/// Resolved lazily: the chain's interceptor is built with the database context, which the key store itself needs.
/// </summary>
public sealed class AuditChainKey(IServiceProvider services)
{
    private volatile byte[]? _key;

    public async ValueTask<byte[]> GetAsync(CancellationToken cancellationToken = default) =>
        _key ??= await services.GetRequiredService<ServerSecrets>().KeyAsync(ServerSecrets.AuditChainHmac, cancellationToken);
}
