using System.Security.Cryptography;
using System.Text.Json;
using AuthPortal.Data;
using AuthPortal.Infrastructure.Database;
using AuthPortal.Infrastructure.Options;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace AuthPortal.Features.Tokens;

/// <summary>
/// The ES256 keys that sign access tokens. Keys live in the database (private halves encrypted with Data
/// Protection), so every instance signs with and trusts the same keys. A day before the current key is
/// <see cref="RotateAfter"/> old a new key is created and published; it starts signing a day later, and the
/// old one stays in the JWKS until every token it signed has expired.
/// </summary>
public sealed class SigningKeyRing(IDbContextFactory<AppDbContext> dbFactory, IDataProtectionProvider dataProtection, TimeProvider time, IOptions<JwtOptions> jwt)
{
    public static readonly TimeSpan RotateAfter = TimeSpan.FromDays(30);

    /// <summary>A new key is in the JWKS this long before it signs anything (outside caches have time to see it).</summary>
    public static readonly TimeSpan PublishAhead = TimeSpan.FromDays(1);

    // Re-read from the database at most this often, so a key made by another instance is found quickly.
    private static readonly TimeSpan RefreshEvery = TimeSpan.FromMinutes(1);

    private readonly IDataProtector _protector = dataProtection.CreateProtector("AuthPortal.SigningKeys.v1");
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile Snapshot? _snapshot;

    private sealed record Snapshot(DateTimeOffset LoadedAt, SigningKey Current, IReadOnlyList<SigningKey> Published,
        IReadOnlyDictionary<string, ECDsaSecurityKey> PublicKeys, SigningCredentials Credentials);

    /// <summary>The key to sign with now (created or rotated when needed) and its private half.</summary>
    public async Task<SigningCredentials> GetSigningCredentialsAsync(CancellationToken cancellationToken = default)
    {
        return (await GetSnapshotAsync(cancellationToken)).Credentials;
    }

    /// <summary>The public keys the JWKS publishes: the current one and retired ones still needed.</summary>
    public async Task<IReadOnlyList<SigningKey>> GetPublishedAsync(CancellationToken cancellationToken = default) =>
        (await GetSnapshotAsync(cancellationToken)).Published;

    /// <summary>
    /// The validation key for a token's <c>kid</c>: looked up only among the published keys, never used as a
    /// path, URL or query. Unknown kid → no key → the token is refused.
    /// </summary>
    public IEnumerable<SecurityKey> ResolveForValidation(string? kid) =>
        kid is not null && _snapshot is { } snapshot && snapshot.PublicKeys.TryGetValue(kid, out var key) ? [key] : [];

    /// <summary>Makes sure the cached key set is fresh (called before each bearer validation).</summary>
    public Task RefreshAsync(CancellationToken cancellationToken = default) => GetSnapshotAsync(cancellationToken);

    private async Task<Snapshot> GetSnapshotAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_snapshot is { } fresh && now - fresh.LoadedAt < RefreshEvery)
        {
            return fresh;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            // Someone else may have refreshed while this caller waited.
            if (_snapshot is { } refreshed && now - refreshed.LoadedAt < RefreshEvery)
            {
                return refreshed;
            }
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var live = await LiveKeysAsync(db, now, cancellationToken);
            if (live.Count == 0 || now - live[0].CreatedAt >= RotateAfter - PublishAhead)
            {
                // Encrypt the new private key before taking the write lock: Data Protection may need to
                // write its own key to the database first.
                var candidate = CreateKey(now);
                // One write transaction under the rotation lock (SQLite's write lock; an advisory lock on PostgreSQL,
                // whose transactions do not otherwise exclude each other): two instances rotating at the same moment
                // cannot both add a key, as the second reads the first's key once it may go on.
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                await WriteLock.AcquireAsync(db.Database, WriteLock.KeyRotation, cancellationToken);
                live = await LiveKeysAsync(db, now, cancellationToken);
                if (live.Count == 0 || now - live[0].CreatedAt >= RotateAfter - PublishAhead)
                {
                    db.SigningKeys.Add(candidate);
                    await db.SaveChangesAsync(cancellationToken);
                }
                await transaction.CommitAsync(cancellationToken);
                live = await LiveKeysAsync(db, now, cancellationToken);
            }

            // Sign with the newest key that has been published for PublishAhead (a fresh install uses its only key),
            // so services caching the JWKS already know a key before tokens signed with it arrive.
            var current = live.FirstOrDefault(k => now - k.CreatedAt >= PublishAhead) ?? live[^1];
            var superseded = live.Where(k => k.CreatedAt < current.CreatedAt && k.RetiresAt is null).ToList();
            if (superseded.Count > 0)
            {
                foreach (var key in superseded)
                {
                    // Tokens signed by a superseded key live at most AccessTokenMinutes (+ clock skew); another
                    // instance may keep signing with it until its own snapshot refreshes (RefreshEvery).
                    key.RetiresAt = now.AddMinutes(jwt.Value.AccessTokenMinutes).AddSeconds(AccessTokenValidation.ClockSkewSeconds).Add(RefreshEvery);
                }
                await db.SaveChangesAsync(cancellationToken);
            }
            var publicKeys = live.ToDictionary(k => k.Id, PublicKeyOf);
            // The private key is decrypted once per snapshot, not per token.
            var credentials = _snapshot is { } previous && previous.Current.Id == current.Id ? previous.Credentials : CredentialsFor(current);
            var snapshot = new Snapshot(now, current, live, publicKeys, credentials);
            _snapshot = snapshot;
            return snapshot;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Keys still published (not retired, or retiring later), newest first.</summary>
    private static Task<List<SigningKey>> LiveKeysAsync(AppDbContext db, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.SigningKeys.Where(k => k.RetiresAt == null || k.RetiresAt > now).OrderByDescending(k => k.CreatedAt).ToListAsync(cancellationToken);

    private SigningKey CreateKey(DateTimeOffset now)
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var parameters = ecdsa.ExportParameters(includePrivateParameters: false);
        var kid = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(12));
        var jwk = new Dictionary<string, string>
        {
            ["kty"] = "EC", ["crv"] = "P-256", ["use"] = "sig", ["alg"] = "ES256", ["kid"] = kid,
            ["x"] = Base64UrlEncoder.Encode(parameters.Q.X), ["y"] = Base64UrlEncoder.Encode(parameters.Q.Y),
        };
        return new SigningKey
        {
            Id = kid,
            Algorithm = "ES256",
            PublicJwk = JsonSerializer.Serialize(jwk),
            ProtectedPrivateKey = Convert.ToBase64String(_protector.Protect(ecdsa.ExportECPrivateKey())),
            CreatedAt = now,
        };
    }

    private SigningCredentials CredentialsFor(SigningKey key)
    {
        var ecdsa = ECDsa.Create();
        ecdsa.ImportECPrivateKey(_protector.Unprotect(Convert.FromBase64String(key.ProtectedPrivateKey)), out _);
        return new SigningCredentials(new ECDsaSecurityKey(ecdsa) { KeyId = key.Id }, SecurityAlgorithms.EcdsaSha256);
    }

    private static ECDsaSecurityKey PublicKeyOf(SigningKey key)
    {
        var jwk = JsonSerializer.Deserialize<Dictionary<string, string>>(key.PublicJwk)!;
        var ecdsa = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = Base64UrlEncoder.DecodeBytes(jwk["x"]), Y = Base64UrlEncoder.DecodeBytes(jwk["y"]) },
        });
        return new ECDsaSecurityKey(ecdsa) { KeyId = key.Id };
    }
}
