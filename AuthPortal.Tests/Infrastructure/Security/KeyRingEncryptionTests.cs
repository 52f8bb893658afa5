using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Data.Sqlite;

namespace AuthPortal.Tests.Infrastructure.Security;

/// <summary>What someone holding only a copy of the database file can do with it: nothing.</summary>
public sealed class KeyRingEncryptionTests
{
    private const string SigningKeyPurpose = "AuthPortal.SigningKeys.v1";

    /// <summary>A consistent copy of the live database, made the way anyone with file access could.</summary>
    private static string CopyDatabase(PortalFactory portal)
    {
        var copy = Path.Combine(TestPaths.NewTempDirectory("stolen"), "copy.db");
        using var connection = new SqliteConnection($"Data Source={portal.DatabasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"VACUUM INTO '{copy}'";
        command.ExecuteNonQuery();
        return copy;
    }

    private static List<(string Name, string Value)> Rows(string database, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<(string, string)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.GetString(1)));
        }
        return rows;
    }

    /// <summary>Data Protection over the copied key ring, as an attacker would set it up; with the certificate only if given.</summary>
    private static IDataProtector ProtectorOver(string database, X509Certificate2? certificate)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddDbContext<AppDbContext>(options => options.UseSqlite($"Data Source={database};Pooling=False"));
        var dataProtection = services.AddDataProtection().SetApplicationName("AuthPortal").PersistKeysToDbContext<AppDbContext>()
            .DisableAutomaticKeyGeneration();
        if (certificate is not null)
        {
            dataProtection.UnprotectKeysWithAnyCertificate(certificate);
        }
        return services.BuildServiceProvider().GetRequiredService<IDataProtectionProvider>().CreateProtector(SigningKeyPurpose);
    }

    [SqliteFact] // reads a copy of the database file
    public async Task ACopyOfTheDatabaseHoldsNoKeyMaterialUsableWithoutTheCertificate()
    {
        using var portal = new PortalFactory(null, PortalSettings.WithAdministrator(DefaultPortal.AdminEmail));
        var user = await portal.CreateUserAsync("victim@example.com");
        var self = portal.Services.GetRequiredService<SelfService>();
        var setup = await self.BeginAuthenticatorSetupAsync(user.Id);
        var (recoveryCodes, _) = await self.EnableAuthenticatorAsync(user.Id, Totp.Code(setup.SharedKey));
        string authenticatorKey;
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            authenticatorKey = (await users.GetAuthenticatorKeyAsync((await users.FindByIdAsync(user.Id))!))!;
        }
        await portal.CreatePortalClient().GetTokensAsync(DefaultPortal.AdminEmail); // a signing key and a session

        var copy = CopyDatabase(portal);

        // The key ring: every key's secret is an encrypted blob, none is a master key in clear.
        var keyRing = Rows(copy, "SELECT FriendlyName, Xml FROM DataProtectionKeys");
        Assert.NotEmpty(keyRing);
        foreach (var (_, xml) in keyRing)
        {
            var key = XElement.Parse(xml);
            Assert.DoesNotContain(key.Descendants(), e => e.Name.LocalName == "masterKey");
            Assert.Contains(key.Descendants(), e => e.Name.LocalName == "encryptedSecret");
        }
        // Second factors: the authenticator key is not there to read, the recovery codes are not there to use.
        var secrets = Rows(copy, "SELECT Name, Value FROM AspNetUserTokens");
        var storedKey = secrets.Single(r => r.Name == "AuthenticatorKey").Value;
        Assert.DoesNotContain(authenticatorKey, storedKey, StringComparison.OrdinalIgnoreCase);
        var storedCodes = secrets.Single(r => r.Name == "RecoveryCodes").Value;
        Assert.Equal(10, storedCodes.Split(';').Length);
        foreach (var code in recoveryCodes!)
        {
            Assert.DoesNotContain(code.Replace("-", ""), storedCodes, StringComparison.OrdinalIgnoreCase);
        }
        // The token signing key: its private half cannot be decrypted from the copy...
        var signingKey = Convert.FromBase64String(Rows(copy, "SELECT Id, ProtectedPrivateKey FROM SigningKeys").First().Value);
        Assert.ThrowsAny<CryptographicException>(() => ProtectorOver(copy, certificate: null).Unprotect(signingKey));
        // ...and it can with the certificate, so what failed above was the missing certificate and nothing else.
        var certificate = portal.Services.GetRequiredService<KeyRingCertificate>().Certificate;
        Assert.NotEmpty(ProtectorOver(copy, certificate).Unprotect(signingKey));
    }

    [SqliteFact] // reads a copy of the database file
    public async Task SecretsAnEarlierVersionStoredInClearAreEncryptedAtStartAndKeepWorking()
    {
        var directory = TestPaths.NewTempDirectory("upgrade");
        var settings = PortalSettings.WithAdministrator(DefaultPortal.AdminEmail);
        string userId;
        using (var first = new PortalFactory(directory, settings))
        {
            userId = (await first.CreateUserAsync("old-timer@example.com")).Id;
        }
        // What an earlier version left behind: a key ring key, an authenticator key and recovery codes, all in clear.
        var database = Path.Combine(directory, "authportal.db");
        var legacy = new ServiceCollection().AddLogging();
        legacy.AddDbContext<AppDbContext>(options => options.UseSqlite($"Data Source={database};Pooling=False"));
        legacy.AddDataProtection().SetApplicationName("AuthPortal").PersistKeysToDbContext<AppDbContext>();
        var legacyServices = legacy.BuildServiceProvider();
        var keyManager = legacyServices.GetRequiredService<IKeyManager>();
        keyManager.CreateNewKey(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(90));
        var protectedBefore = legacyServices.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Protect("still readable");
        const string clearKey = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
        await using (var db = legacyServices.GetRequiredService<AppDbContext>())
        {
            db.UserTokens.Add(new IdentityUserToken<string> { UserId = userId, LoginProvider = "[AspNetUserStore]", Name = "AuthenticatorKey", Value = clearKey });
            db.UserTokens.Add(new IdentityUserToken<string> { UserId = userId, LoginProvider = "[AspNetUserStore]", Name = "RecoveryCodes", Value = "ABCDE-12345;FGHIJ-67890" });
            await db.SaveChangesAsync();
        }
        Assert.Contains(Rows(database, "SELECT FriendlyName, Xml FROM DataProtectionKeys"), r => r.Value.Contains("<masterKey", StringComparison.Ordinal));

        using var second = new PortalFactory(directory, settings);
        _ = second.Services; // start: the initializer runs

        Assert.DoesNotContain(Rows(database, "SELECT FriendlyName, Xml FROM DataProtectionKeys"), r => r.Value.Contains("<masterKey", StringComparison.Ordinal));
        var stored = Rows(database, "SELECT Name, Value FROM AspNetUserTokens");
        Assert.DoesNotContain(stored, r => r.Value.Contains(clearKey, StringComparison.Ordinal) || r.Value.Contains("ABCDE", StringComparison.Ordinal));
        await using var scope = second.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = (await users.FindByIdAsync(userId))!;
        Assert.Equal(clearKey, await users.GetAuthenticatorKeyAsync(user));
        Assert.True((await users.RedeemTwoFactorRecoveryCodeAsync(user, "abcde-12345")).Succeeded);
        Assert.False((await users.RedeemTwoFactorRecoveryCodeAsync(user, "ABCDE-12345")).Succeeded); // once only
        Assert.Equal(1, await users.CountRecoveryCodesAsync(user));
        Assert.Equal("still readable", second.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Unprotect(protectedBefore));
    }

    [Fact]
    public void AGeneratedCertificateIsReadableByTheAppsUserOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        var path = Path.Combine(TestPaths.NewTempDirectory("cert"), "keys", KeyRingCertificate.GeneratedFileName);

        KeyRingCertificate.Create(path);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
        Assert.Throws<IOException>(() => KeyRingCertificate.Create(path)); // never overwritten
    }
}
