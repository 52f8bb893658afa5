using System.Security.Claims;
using AuthPortal.Data;
using AuthPortal.Features.Audit;
using AuthPortal.Features.Roles;
using AuthPortal.Features.Tokens;
using AuthPortal.Infrastructure.Database;
using AuthPortal.Infrastructure.Identity;
using AuthPortal.Infrastructure.Security;
using Microsoft.AspNetCore.DataProtection;
using AuthPortal.Infrastructure.Options;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AuthPortal.Features.Setup;

/// <summary>
/// Start-up work: apply migrations, make sure the built-in Administrator role holds every system
/// permission, then either create the administrator from <c>Bootstrap:*</c> or, while no user exists,
/// print the one-time setup link.
/// </summary>
public static class PortalInitializer
{
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        await MigrationGate.MigrateAsync(db, cancellationToken);
    }

    public static async Task InitializeAsync(WebApplication app, CancellationToken cancellationToken = default)
    {
        await MigrateAsync(app.Services, cancellationToken);

        await using var scope = app.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("AuthPortal.Setup");
        // The Data Protection key and the keyed-hash keys (audit chain, recovery codes, failed logins) exist before any
        // write transaction needs them.
        async Task MakeKeysAsync()
        {
            await ProtectStoredSecretsAsync(app, services, logger, cancellationToken);
            await services.GetRequiredService<ServerSecrets>().LoadAllAsync(cancellationToken);
            await services.GetRequiredService<AuditChainKey>().GetAsync(cancellationToken);
        }
        // Instances starting together on an empty database take turns: the first creates the keys and the role, the
        // next finds them (two Data Protection keys made at once would each be unknown to the other instance for a while).
        var seeding = services.GetRequiredService<AppDbContext>();
        var keysUnderTheLock = WriteLock.LetsOtherConnectionsWrite(seeding.Database);
        if (!keysUnderTheLock)
        {
            // SQLite: one machine, one instance; its write lock would block the keys' own connections.
            await MakeKeysAsync();
        }
        await using (var transaction = await seeding.Database.BeginTransactionAsync(cancellationToken))
        {
            await WriteLock.AcquireAsync(seeding.Database, WriteLock.FirstRun, cancellationToken);
            if (keysUnderTheLock)
            {
                await MakeKeysAsync();
            }
            await EnsureAdministratorRoleAsync(services.GetRequiredService<RoleManager<AppRole>>());
            await transaction.CommitAsync(cancellationToken);
        }
        // Create (or rotate) the token signing key now, so the JWKS and bearer validation are ready at once.
        await services.GetRequiredService<SigningKeyRing>().RefreshAsync(cancellationToken);

        var db = services.GetRequiredService<AppDbContext>();
        if (await SystemRoles.AdministratorExistsAsync(db, cancellationToken))
        {
            return;
        }

        var bootstrap = services.GetRequiredService<IOptions<BootstrapOptions>>().Value;
        if (bootstrap.IsSet)
        {
            var result = await services.GetRequiredService<AdministratorCreator>()
                .CreateFirstAsync(bootstrap.AdminEmail!, "Administrator", bootstrap.AdminPassword!, AuditActions.AdminBootstrapped, cancellationToken);
            if (result.Errors.Any(e => e.Code == AdministratorCreator.SetupDone))
            {
                return; // another instance starting at the same moment created it
            }
            if (!result.Succeeded)
            {
                throw new OptionsValidationException(BootstrapOptions.Section, typeof(BootstrapOptions),
                    result.Errors.Select(e => $"Bootstrap:AdminPassword was refused: {e.Description}"));
            }
            logger.LogInformation("Created the first administrator {Email} from Bootstrap:AdminEmail.", bootstrap.AdminEmail);
            return;
        }

        var token = app.Services.GetRequiredService<SetupToken>().Issue();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var address = app.Services.GetRequiredService<PublicAddress>().Configured
                ?? app.Services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                ?? "http://localhost:5000";
            logger.LogWarning("No administrator exists yet. Open {SetupUrl} to create the first administrator (the link works once).",
                $"{address.TrimEnd('/')}/setup?token={token}");
        });
    }

    /// <summary>
    /// Encrypts what earlier versions stored in clear (Data Protection keys, authenticator keys, recovery codes), before
    /// anything reads them, and says in production when the key-ring certificate was generated rather than configured.
    /// </summary>
    private static async Task ProtectStoredSecretsAsync(WebApplication app, IServiceProvider services, ILogger logger, CancellationToken cancellationToken)
    {
        var certificate = services.GetRequiredService<KeyRingCertificate>();
        var db = services.GetRequiredService<AppDbContext>();
        var keys = await KeyRingEncryption.EncryptStoredKeysAsync(db, certificate, services.GetRequiredService<ILoggerFactory>(), cancellationToken);
        var secrets = await StoredSecondFactorSecrets.ProtectAsync(db, services.GetRequiredService<IDataProtectionProvider>(),
            services.GetRequiredService<ServerSecrets>(), cancellationToken);
        if (keys + secrets > 0)
        {
            logger.LogInformation("Encrypted {Keys} Data Protection keys and {Secrets} second-factor secrets that were stored in clear.", keys, secrets);
        }
        if (string.IsNullOrEmpty(services.GetRequiredService<IOptions<AppOptions>>().Value.PublicUrl) && !app.Environment.IsDevelopment())
        {
            logger.LogWarning("App:PublicUrl is not set: emailed links use the address of the request that caused them. " +
                "Set App:PublicUrl to the address people use to reach the portal, such as https://id.example.com.");
        }
        if (!certificate.Configured && !app.Environment.IsDevelopment())
        {
            logger.LogWarning("DataProtection:CertificatePath is not set: the key ring is encrypted with a certificate generated at {Path}. " +
                "Back it up, and set DataProtection:CertificatePath (and DataProtection:CertificatePassword) to a certificate every instance shares.",
                certificate.Path);
        }
    }

    private static async Task EnsureAdministratorRoleAsync(RoleManager<AppRole> roles)
    {
        var admin = await roles.FindByNameAsync(SystemRoles.Administrator);
        if (admin is null)
        {
            admin = new AppRole(SystemRoles.Administrator)
            {
                Description = "Holds every permission. Cannot be deleted; the last administrator cannot lose it.",
                IsBuiltIn = true,
            };
            Check(await roles.CreateAsync(admin));
        }

        var held = (await roles.GetClaimsAsync(admin))
            .Where(c => c.Type == Permissions.ClaimType).Select(c => c.Value).ToHashSet();
        foreach (var permission in Permissions.System.Where(p => !held.Contains(p.Name)))
        {
            Check(await roles.AddClaimAsync(admin, new Claim(Permissions.ClaimType, permission.Name)));
        }
    }

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(string.Join("; ", result.Errors.Select(e => e.Description)));
        }
    }
}
