using System.Net;
using AuthPortal.Components.Account;
using AuthPortal.Components.Layout;
using AuthPortal.Components.Shared;
using AuthPortal.Data;
using AuthPortal.Features.Account;
using AuthPortal.Features.ApiKeys;
using AuthPortal.Features.Audit;
using AuthPortal.Features.AuditTrail;
using AuthPortal.Features.Organizations;
using AuthPortal.Features.Roles;
using AuthPortal.Features.ServiceAccounts;
using AuthPortal.Features.Sessions;
using AuthPortal.Features.Setup;
using AuthPortal.Features.SignIn;
using AuthPortal.Features.Tokens;
using AuthPortal.Features.Users;
using AuthPortal.Infrastructure.Api;
using AuthPortal.Infrastructure.Authorization;
using AuthPortal.Infrastructure.Database;
using AuthPortal.Infrastructure.Email;
using AuthPortal.Infrastructure.Identity;
using AuthPortal.Infrastructure.Options;
using AuthPortal.Infrastructure.Security;
using AuthPortal.Infrastructure.Telemetry;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MudBlazor.Services;

namespace AuthPortal.Infrastructure.Hosting;

public static class AuthPortalServices
{
    /// <summary>Registers everything the portal needs, grouped by feature.</summary>
    public static WebApplicationBuilder AddAuthPortal(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;

        // Configuration: every section validated on start, failures name the key.
        services.AddValidatedOptions<AppOptions>(AppOptions.Section);
        services.AddValidatedOptions<DatabaseOptions>(DatabaseOptions.Section);
        services.AddValidatedOptions<BootstrapOptions>(BootstrapOptions.Section);
        services.AddValidatedOptions<AuthOptions>(AuthOptions.Section);
        services.AddValidatedOptions<PasswordPolicyOptions>(PasswordPolicyOptions.Section);
        services.AddValidatedOptions<LockoutPolicyOptions>(LockoutPolicyOptions.Section);
        services.AddValidatedOptions<EmailOptions>(EmailOptions.Section);
        services.AddValidatedOptions<ProxyOptions>(ProxyOptions.Section);
        services.AddValidatedOptions<CrossOriginOptions>(CrossOriginOptions.Section);
        services.AddValidatedOptions<SessionPolicyOptions>(SessionPolicyOptions.Section);
        services.AddValidatedOptions<JwtOptions>(JwtOptions.Section);
        services.AddValidatedOptions<RateLimitOptions>(RateLimitOptions.Section);
        services.AddValidatedOptions<OpenTelemetryOptions>(OpenTelemetryOptions.Section);
        builder.AddAuthPortalObservability(DatabaseTracing.SourceName);

        builder.WebHost.ConfigureKestrel(RequestLimits.ConfigureServer);
        services.AddSingleton(TimeProvider.System);
        services.AddHttpContextAccessor();
        // Cache entries expire on the app's clock, so tests move a fake clock instead of sleeping.
        services.AddMemoryCache();
        services.AddOptions<MemoryCacheOptions>().Configure<TimeProvider>((cache, time) => cache.Clock = new TimeProviderClock(time));

        // Data: one Identity DbContext; keys for cookies and tokens persisted beside it; audit events chained on save.
        services.AddSingleton<AuditChainKey>();
        services.AddSingleton<AuditSearch>();
        services.AddSingleton<AuthPortal.Features.Dashboard.DashboardFigures>();
        services.AddValidatedOptions<AuditOptions>(AuditOptions.Section);
        services.AddSingleton<AuditRetention>();
        services.AddHostedService<AuditMaintenance>();
        services.AddSingleton<AuditChain>();
        services.AddSingleton<DatabaseTracing>();
        // Every DbContext gets these (DatabaseRegistration): events chained as they are saved, permission changes
        // published after commit, a trace span per command.
        services.AddSingleton<Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor>(sp => sp.GetRequiredService<AuditChain>());
        services.AddSingleton<Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor>(sp => sp.GetRequiredService<PermissionChangeTracking>());
        services.AddSingleton<Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor>(sp => sp.GetRequiredService<DatabaseTracing>());
        services.AddSingleton<PermissionChanges>();
        services.AddSingleton<IClusterNoticeHandler>(sp => sp.GetRequiredService<PermissionChanges>());
        services.AddSingleton<PermissionChangeTracking>();
        services.AddAuthPortalDatabase(configuration, builder.Environment.ContentRootPath);
        // Data Protection keys live in the database, encrypted with a certificate that does not.
        services.AddEncryptedKeyRing(configuration, builder.Environment.ContentRootPath);
        services.AddSingleton<ServerSecrets>();
        // Ready: the database answers and its schema is this version's (no migration pending).
        services.AddHealthChecks().AddDbContextCheck<AppDbContext>("database", tags: ["ready"])
            .AddCheck<MigrationsHealthCheck>("migrations", tags: ["ready"]);

        AddIdentity(services);
        AddProxySupport(services, configuration);

        // API: one /api group (ApiGroup), bearer tokens, problem details, rate limits, OpenAPI.
        services.AddAccessTokens(configuration);
        services.AddApiConventions();

        // UI
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddCascadingAuthenticationState();
        services.AddScoped<IdentityRedirectManager>();
        services.AddScoped<CircuitSignInState>();
        services.AddMudServices();
        services.AddHsts(options =>
        {
            options.MaxAge = TimeSpan.FromDays(365);
            options.IncludeSubDomains = true;
        });

        // Audit, email, public address
        services.AddSingleton<AuditLog>();
        services.AddSingleton<IRecoveryCodeRedemptionRecorder, RecoveryCodeRedemptionAudit>();
        services.AddSingleton<MailKitMailSender>();
        services.AddSingleton<MailQueue>();
        services.AddSingleton<MailQuota>();
        services.AddSingleton<IMailSender>(sp => sp.GetRequiredService<MailQueue>());
        services.AddHostedService<MailDispatcher>();
        services.AddSingleton<IEmailSender<AppUser>, AccountEmails>();
        services.AddSingleton<PublicAddress>();

        // Setup
        services.AddSingleton<SetupToken>();
        services.AddScoped<AdministratorCreator>();

        // Sign-in: one verifier per factor, one recorder, registration
        services.AddScoped<LockoutCounter>();
        services.AddScoped<SignInRecorder>();
        services.AddScoped<PasswordVerifier>();
        services.AddSingleton<PasswordHashingGate>();
        services.AddScoped<TotpVerifier>();
        services.AddScoped<PasswordSignIn>();
        services.AddScoped<PasskeySignIn>();
        services.AddScoped<Registration>();
        services.AddSingleton<RegistrationPace>();
        services.AddScoped(sp => (PortalSignInManager)sp.GetRequiredService<SignInManager<AppUser>>());

        // Sessions
        services.AddSingleton<SessionStore>();
        services.AddSingleton<IClusterNoticeHandler>(sp => sp.GetRequiredService<SessionStore>());
        services.AddSingleton<SessionRevocationBus>();
        services.AddScoped<SessionCookieEvents>();
        services.AddScoped<AuthenticationStateProvider, SessionCircuitRevalidation>();
        services.AddHostedService<SessionCleanup>();

        // Account self-service
        services.AddScoped<AccountLinks>();
        services.AddScoped<PersonalDataExport>();
        services.AddScoped<AccountDeletion>();
        services.AddSingleton<SelfService>();
        services.AddScoped<Viewer>();

        // API keys
        services.AddValidatedOptions<ApiKeyOptions>(ApiKeyOptions.Section);
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<IClusterNoticeHandler>(sp => sp.GetRequiredService<ApiKeyStore>());
        services.AddSingleton<ApiKeyUsage>();
        services.AddScoped<ITokenGrant, ClientCredentialsGrant>();
        services.AddHostedService<ApiKeyUsageWriter>();
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null);

        // Users and roles
        services.AddSingleton<UserAdministration>();
        services.AddSingleton<UserDirectory>();
        services.AddSingleton<UserPermissions>();
        services.AddSingleton<RoleGraph>();
        services.AddScoped<RoleAdministration>();
        services.AddScoped<CircuitPermissions>();
        services.AddScoped<Microsoft.AspNetCore.Components.Server.Circuits.CircuitHandler>(sp => sp.GetRequiredService<CircuitPermissions>());
        services.AddScoped<Microsoft.AspNetCore.Components.Server.Circuits.CircuitHandler, CircuitCounter>();

        // Organizations
        services.AddSingleton<OrgAccess>();
        services.AddSingleton<OrgManagement>();
        services.AddSingleton<IClusterNoticeHandler>(sp => sp.GetRequiredService<OrgManagement>());
        services.AddSingleton<AuthPortal.Features.Me.MeProfiles>();
        // Scoped: Identity's name normalizer is.
        services.AddScoped<ServiceAccountAdministration>();
        return builder;
    }

    private static void AddIdentity(IServiceCollection services)
    {
        services.AddAuthentication(options =>
            {
                options.DefaultScheme = IdentityConstants.ApplicationScheme;
                options.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddIdentityCookies();

        services.AddIdentityCore<AppUser>(options => options.Stores.SchemaVersion = IdentitySchemaVersions.Version3)
            .AddRoles<AppRole>()
            .AddEntityFrameworkStores<AppDbContext>()
            .AddUserStore<ProtectedUserStore>()
            .AddSignInManager<PortalSignInManager>()
            .AddClaimsPrincipalFactory<PortalClaimsPrincipalFactory>()
            .AddDefaultTokenProviders()
            .AddTokenProvider<ExpiringLinkTokenProvider>(ExpiringLinkTokenProvider.ProviderName);
        services.Replace(ServiceDescriptor.Scoped<IUserValidator<AppUser>, PortalUserValidator>());
        // Identity's length/composition validator is replaced by the zxcvbn policy (PasswordStrength).
        services.RemoveAll<IPasswordValidator<AppUser>>();
        services.AddSingleton<PasswordStrength>();
        services.AddScoped<IPasswordValidator<AppUser>, StrengthPasswordValidator>();

        services.AddOptions<IdentityOptions>()
            .Configure<IOptions<PasswordPolicyOptions>, IOptions<LockoutPolicyOptions>, IOptions<AuthOptions>>((identity, passwords, lockout, auth) =>
            {
                // NIST SP 800-63B: length, no composition rules.
                identity.Password.RequiredLength = passwords.Value.MinLength;
                identity.Password.RequireDigit = false;
                identity.Password.RequireLowercase = false;
                identity.Password.RequireUppercase = false;
                identity.Password.RequireNonAlphanumeric = false;
                identity.Password.RequiredUniqueChars = 1;

                identity.Lockout.AllowedForNewUsers = true;
                identity.Lockout.MaxFailedAccessAttempts = lockout.Value.MaxFailedAttempts;
                // Minutes = 0 means locked until an administrator unlocks: a lockout end far in the future.
                identity.Lockout.DefaultLockoutTimeSpan = lockout.Value.Minutes == 0
                    ? TimeSpan.FromDays(365 * 100)
                    : TimeSpan.FromMinutes(lockout.Value.Minutes);

                identity.User.RequireUniqueEmail = true;
                identity.Tokens.EmailConfirmationTokenProvider = ExpiringLinkTokenProvider.ProviderName;
                identity.Tokens.PasswordResetTokenProvider = ExpiringLinkTokenProvider.ProviderName;
                identity.Tokens.ChangeEmailTokenProvider = ExpiringLinkTokenProvider.ProviderName;
                identity.SignIn.RequireConfirmedEmail = auth.Value.RequireConfirmedEmail;
            });

        services.ConfigureApplicationCookie(cookie =>
        {
            cookie.CookieManager = new SchemeAwareCookieManager();
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.LoginPath = AccountRoutes.Login;
            cookie.LogoutPath = AccountRoutes.Logout;
            cookie.AccessDeniedPath = AccountRoutes.AccessDenied;
            cookie.SlidingExpiration = false;
            // Session validation on every request, and the login redirect that says a session ended.
            cookie.EventsType = typeof(SessionCookieEvents);
        });
        // The server-side session decides when a sign-in ends (idle and absolute timeouts, revocation).
        // The cookie outlives the longest session by an hour, so it is the session check that ends it
        // (and records the expiry), not the cookie quietly lapsing.
        services.AddOptions<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme)
            .Configure<IOptions<SessionPolicyOptions>>((cookie, sessions) => cookie.ExpireTimeSpan = TimeSpan.FromHours(sessions.Value.AbsoluteTimeoutHours + 1));
        services.AddAntiforgery(o => o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest);

        services.AddAuthorizationBuilder()
            .AddPermissionPolicies()
            // /api takes bearer credentials only: a cookie alone gets 401 there, so there is no CSRF surface.
            .AddBearerPolicy(AccessTokenValidation.Scheme, ApiKeyAuthentication.SchemeName);
        services.AddSingleton<IAuthorizationHandler, PermissionAuthorizationHandler>();
    }

    private static void AddProxySupport(IServiceCollection services, IConfiguration configuration)
    {
        var knownProxies = configuration.GetSection($"{ProxyOptions.Section}:KnownProxies").Get<string[]>() ?? [];
        services.Configure<ForwardedHeadersOptions>(options =>
        {
            // X-Forwarded-* is trusted only from the configured proxies. With none configured no forwarded header is
            // read at all: not even from loopback, or any local caller could pick its own address for rate limits,
            // sessions and the audit log. (An empty list would mean "trust everyone" to the middleware.)
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            options.ForwardedHeaders = knownProxies.Length == 0 ? ForwardedHeaders.None : ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            foreach (var proxy in knownProxies)
            {
                if (IPAddress.TryParse(proxy, out var address))
                {
                    options.KnownProxies.Add(address);
                }
            }
        });
    }
}
