using System.Xml.Linq;
using AuthPortal.Data;
using AuthPortal.Infrastructure.Options;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AuthPortal.Infrastructure.Security;

/// <summary>
/// Data Protection with its key ring in the database, each key's secret encrypted with the key-ring certificate
/// (<see cref="KeyRingCertificate"/>) before it is written.
/// </summary>
public static class KeyRingEncryption
{
    private static readonly XNamespace DataProtectionNamespace = "http://schemas.asp.net/2015/03/dataProtection";

    public static IServiceCollection AddEncryptedKeyRing(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        services.AddValidatedOptions<KeyRingOptions>(KeyRingOptions.Section);
        var dataProtection = services.AddDataProtection().SetApplicationName("AuthPortal").PersistKeysToDbContext<AppDbContext>();
        try
        {
            var certificate = KeyRingCertificate.Load(configuration, contentRoot);
            services.AddSingleton(certificate);
            dataProtection.ProtectKeysWithCertificate(certificate.Certificate);
        }
        catch (InvalidOperationException ex)
        {
            // Reported by start-up validation (one line naming the key, exit 1) before any key is read or written.
            services.AddSingleton<IValidateOptions<KeyRingOptions>>(new CertificateProblem(ex.Message));
        }
        return services;
    }

    /// <summary>
    /// Encrypts the secrets of keys that an earlier version stored in clear, in place, as Data Protection would have
    /// on writing them. Returns how many keys it changed.
    /// </summary>
    public static async Task<int> EncryptStoredKeysAsync(AppDbContext db, KeyRingCertificate certificate, ILoggerFactory loggerFactory, CancellationToken cancellationToken = default)
    {
        var encryptor = new CertificateXmlEncryptor(certificate.Certificate, loggerFactory);
        var changed = 0;
        foreach (var key in await db.DataProtectionKeys.Where(k => k.Xml != null).ToListAsync(cancellationToken))
        {
            var xml = XElement.Parse(key.Xml!);
            var clear = xml.DescendantsAndSelf().Where(e => (bool?)e.Attribute(DataProtectionNamespace + "requiresEncryption") == true).ToList();
            foreach (var element in clear)
            {
                var encrypted = encryptor.Encrypt(new XElement(element));
                element.ReplaceWith(new XElement(DataProtectionNamespace + "encryptedSecret",
                    new XAttribute("decryptorType", encrypted.DecryptorType.AssemblyQualifiedName!),
                    encrypted.EncryptedElement));
            }
            if (clear.Count > 0)
            {
                key.Xml = xml.ToString(SaveOptions.DisableFormatting);
                changed++;
            }
        }
        await db.SaveChangesAsync(cancellationToken);
        return changed;
    }

    private sealed class CertificateProblem(string problem) : IValidateOptions<KeyRingOptions>
    {
        public ValidateOptionsResult Validate(string? name, KeyRingOptions options) => ValidateOptionsResult.Fail(problem);
    }
}
