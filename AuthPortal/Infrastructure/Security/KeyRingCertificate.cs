using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AuthPortal.Infrastructure.Options;
using Microsoft.Data.Sqlite;

namespace AuthPortal.Infrastructure.Security;

/// <summary>
/// The X.509 certificate that encrypts the Data Protection key ring before it is stored in the database, so a copy
/// of the database alone opens nothing: no cookie, reset code, signing key or authenticator key. Every instance of
/// one portal needs the same certificate: give them <c>DataProtection:CertificatePath</c> (and
/// <c>DataProtection:CertificatePassword</c>). Without it, one is generated at first start into <c>keys/</c> beside
/// the SQLite database (readable by the app's user only), which serves one machine.
/// </summary>
public sealed class KeyRingCertificate
{
    public const string GeneratedFileName = "dataprotection.pfx";

    private KeyRingCertificate(X509Certificate2 certificate, string path, bool configured)
    {
        Certificate = certificate;
        Path = path;
        Configured = configured;
    }

    public X509Certificate2 Certificate { get; }

    public string Path { get; }

    /// <summary>False when the certificate was generated because none was configured.</summary>
    public bool Configured { get; }

    /// <summary>Loads the configured certificate, or the generated one (generating it the first time).</summary>
    /// <exception cref="InvalidOperationException">The configured certificate cannot be used; the message names the key.</exception>
    public static KeyRingCertificate Load(IConfiguration configuration, string contentRoot)
    {
        var path = configuration[$"{KeyRingOptions.Section}:{nameof(KeyRingOptions.CertificatePath)}"];
        var password = configuration[$"{KeyRingOptions.Section}:{nameof(KeyRingOptions.CertificatePassword)}"];
        if (!string.IsNullOrWhiteSpace(path))
        {
            path = System.IO.Path.GetFullPath(path, contentRoot);
            return new KeyRingCertificate(LoadFile(path, password, "DataProtection:CertificatePath"), path, configured: true);
        }
        var generated = System.IO.Path.Combine(DefaultDirectory(configuration, contentRoot), GeneratedFileName);
        return new KeyRingCertificate(LoadOrCreate(generated), generated, configured: false);
    }

    /// <summary>Creates a self-signed RSA certificate for key encryption and writes it, readable by this user only.</summary>
    public static void Create(string path)
    {
        var directory = System.IO.Path.GetDirectoryName(path)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=AuthPortal Data Protection", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.DataEncipherment, critical: true));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(100));
        var pfx = certificate.Export(X509ContentType.Pfx);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        // Written aside and moved into place, so another instance never reads half a file; the move fails if
        // one got there first, and theirs is kept.
        var partial = $"{path}.{Guid.NewGuid():N}.tmp";
        using (var file = new FileStream(partial, options))
        {
            file.Write(pfx);
        }
        try
        {
            File.Move(partial, path, overwrite: false);
        }
        finally
        {
            File.Delete(partial);
        }
    }

    private static X509Certificate2 LoadOrCreate(string path)
    {
        if (!File.Exists(path))
        {
            try
            {
                Create(path);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another instance on the same directory created it first: use theirs.
            }
        }
        return LoadFile(path, password: null, "DataProtection:CertificatePath");
    }

    private static X509Certificate2 LoadFile(string path, string? password, string key)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{key}: no certificate file at {path}.");
        }
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidOperationException($"{key}: {path} is not a PKCS#12 certificate this password opens ({ex.Message}).", ex);
        }
        if (certificate.GetRSAPrivateKey() is null)
        {
            throw new InvalidOperationException($"{key}: {path} must hold an RSA certificate with its private key.");
        }
        return certificate;
    }

    /// <summary>Beside the SQLite database (keys/), so a second instance on the same file finds the same certificate.</summary>
    private static string DefaultDirectory(IConfiguration configuration, string contentRoot)
    {
        var connectionString = configuration.GetConnectionString("AuthPortal");
        if ((configuration["Database:Provider"] ?? "Sqlite") == "Sqlite" && !string.IsNullOrWhiteSpace(connectionString))
        {
            try
            {
                var dataSource = new SqliteConnectionStringBuilder(connectionString).DataSource;
                if (dataSource is { Length: > 0 } && dataSource != ":memory:")
                {
                    var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(dataSource, contentRoot));
                    if (!string.IsNullOrEmpty(directory))
                    {
                        return System.IO.Path.Combine(directory, "keys");
                    }
                }
            }
            catch (ArgumentException)
            {
                // A broken connection string is reported by the database's own validation.
            }
        }
        return System.IO.Path.Combine(contentRoot, "App_Data", "keys");
    }
}
