using System.Security.Cryptography;
using System.Text;
using AuthPortal.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace AuthPortal.Infrastructure.Security;

/// <summary>
/// Keyed hashes whose key is not usable from the database alone: each key is random, made once, and stored
/// encrypted with Data Protection (whose key ring the key-ring certificate encrypts). Every instance reads the same
/// key. Used where a plain hash of a low-entropy value could be reversed offline: recovery codes and the typed
/// login of a failed sign-in.
/// </summary>
public sealed class ServerSecrets(IDbContextFactory<AppDbContext> dbFactory, IDataProtectionProvider dataProtection, TimeProvider time)
{
    public const string RecoveryCodes = "hmac.recovery-codes";
    public const string FailedLogins = "hmac.failed-logins";
    public const string AuditChainHmac = "hmac.audit-chain";

    private readonly IDataProtector _protector = dataProtection.CreateProtector("AuthPortal.ServerSecrets.v1");
    private readonly Dictionary<string, byte[]> _keys = [];
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>HMAC-SHA256 of the UTF-8 text under the named key, as lowercase hex.</summary>
    public async Task<string> HashAsync(string keyName, string value, CancellationToken cancellationToken = default) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(await GetKeyAsync(keyName, cancellationToken), Encoding.UTF8.GetBytes(value)));

    /// <summary>
    /// Makes (or reads) every key at start-up. A key first made inside a feature's write transaction would be written
    /// by a second connection while the first holds SQLite's write lock: the two would wait on each other.
    /// </summary>
    public async Task LoadAllAsync(CancellationToken cancellationToken = default)
    {
        foreach (var name in new[] { RecoveryCodes, FailedLogins, AuditChainHmac })
        {
            await GetKeyAsync(name, cancellationToken);
        }
    }

    /// <summary>The named key itself, for a caller that must HMAC synchronously (it caches the bytes; they never leave the process).</summary>
    public Task<byte[]> KeyAsync(string keyName, CancellationToken cancellationToken = default) => GetKeyAsync(keyName, cancellationToken);

    private async Task<byte[]> GetKeyAsync(string name, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_keys.TryGetValue(name, out var known))
            {
                return known;
            }
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var stored = await db.ProtectedSecrets.AsNoTracking().FirstOrDefaultAsync(s => s.Name == name, cancellationToken);
            if (stored is null)
            {
                db.ProtectedSecrets.Add(new ProtectedSecret
                {
                    Name = name,
                    ProtectedValue = Convert.ToBase64String(_protector.Protect(RandomNumberGenerator.GetBytes(32))),
                    CreatedAt = time.GetUtcNow(),
                });
                try
                {
                    await db.SaveChangesAsync(cancellationToken);
                }
                catch (DbUpdateException)
                {
                    // Another instance made it at the same moment: the primary key kept one, and that one is read below.
                }
                db.ChangeTracker.Clear();
                stored = await db.ProtectedSecrets.AsNoTracking().SingleAsync(s => s.Name == name, cancellationToken);
            }
            var key = _protector.Unprotect(Convert.FromBase64String(stored.ProtectedValue));
            _keys[name] = key;
            return key;
        }
        finally
        {
            _gate.Release();
        }
    }
}
