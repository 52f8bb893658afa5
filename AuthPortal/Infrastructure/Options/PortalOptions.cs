using System.ComponentModel.DataAnnotations;

namespace AuthPortal.Infrastructure.Options;

// Each class binds one configuration section; the section name is the class's Section constant.
// Validation messages name the full key (e.g. "Lockout:MaxFailedAttempts") so a bad value is easy to find.

public sealed class DatabaseOptions
{
    public const string Section = "Database";

    public const string Sqlite = "Sqlite";
    public const string Postgres = "Postgres";

    [AllowedValues(Sqlite, Postgres, ErrorMessage = "must be 'Sqlite' or 'Postgres'")]
    public string Provider { get; set; } = Sqlite;
}

/// <summary>The certificate that encrypts the Data Protection key ring at rest (Infrastructure/Security/KeyRingCertificate).</summary>
public sealed class KeyRingOptions
{
    public const string Section = "DataProtection";

    /// <summary>A PKCS#12 (.pfx) file with an RSA key. Empty: one is generated at first start beside the database.</summary>
    public string? CertificatePath { get; set; }

    public string? CertificatePassword { get; set; }
}

public sealed class BootstrapOptions : IValidatableObject
{
    public const string Section = "Bootstrap";

    public string? AdminEmail { get; set; }

    public string? AdminPassword { get; set; }

    public bool IsSet => !string.IsNullOrWhiteSpace(AdminEmail) || !string.IsNullOrEmpty(AdminPassword);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsSet)
        {
            yield break;
        }
        if (string.IsNullOrWhiteSpace(AdminEmail) || !new EmailAddressAttribute().IsValid(AdminEmail))
        {
            yield return new ValidationResult("must be an email address when Bootstrap:AdminPassword is set", [nameof(AdminEmail)]);
        }
        if (string.IsNullOrEmpty(AdminPassword))
        {
            yield return new ValidationResult("must be set when Bootstrap:AdminEmail is set", [nameof(AdminPassword)]);
        }
    }
}

public sealed class AppOptions : IValidatableObject
{
    public const string Section = "App";

    /// <summary>
    /// The address people use to reach the portal, e.g. https://id.example.com. Emailed links are built
    /// from it, never from the request's Host header. Empty: the request's own address (fine on localhost).
    /// </summary>
    public string? PublicUrl { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(PublicUrl)
            && (!Uri.TryCreate(PublicUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)))
        {
            yield return new ValidationResult("must be an absolute http(s) URL such as https://id.example.com", [nameof(PublicUrl)]);
        }
    }
}

public sealed class AuthOptions
{
    public const string Section = "Auth";

    public bool RequireConfirmedEmail { get; set; } = true;
    public bool AllowSelfRegistration { get; set; } = true;
}

public sealed class PasswordPolicyOptions
{
    public const string Section = "Passwords";

    [Range(8, 64, ErrorMessage = "must be between 8 and 64")]
    public int MinLength { get; set; } = 10;
}

public sealed class LockoutPolicyOptions
{
    public const string Section = "Lockout";

    [Range(1, 100, ErrorMessage = "must be between 1 and 100")]
    public int MaxFailedAttempts { get; set; } = 5;

    /// <summary>0 keeps the account locked until an administrator unlocks it.</summary>
    [Range(0, 525_600, ErrorMessage = "must be between 0 (until an administrator unlocks) and 525600")]
    public int Minutes { get; set; } = 15;
}

public sealed class EmailOptions
{
    public const string Section = "Email";

    [Required(AllowEmptyStrings = false, ErrorMessage = "must name a directory")]
    public string PickupDirectory { get; set; } = "App_Data/mail";

    public SmtpOptions Smtp { get; set; } = new();
}

public sealed class SmtpOptions
{
    public string? Host { get; set; }

    [Range(1, 65535, ErrorMessage = "must be a TCP port (1-65535)")]
    public int Port { get; set; } = 587;

    public string? UserName { get; set; }
    public string? Password { get; set; }

    public string From { get; set; } = "AuthPortal <no-reply@authportal.local>";

    /// <summary>
    /// False (default): the connection must be encrypted (TLS on port 465, STARTTLS otherwise).
    /// True: STARTTLS only when the server offers it, for a relay on the same machine.
    /// </summary>
    public bool AllowInsecure { get; set; }
}

/// <summary>Browser origins allowed to call /api (CORS). None by default: scripts and servers need no CORS.</summary>
public sealed class CrossOriginOptions : IValidatableObject
{
    public const string Section = "Cors";

    public string[] AllowedOrigins { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var origin in AllowedOrigins.Where(o => !Uri.TryCreate(o, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) || uri.PathAndQuery != "/" || o.EndsWith('/')))
        {
            yield return new ValidationResult($"must hold origins such as https://app.example.com (scheme, host and port only); '{origin}' is not one", [nameof(AllowedOrigins)]);
        }
    }
}

public sealed class ApiKeyOptions
{
    public const string Section = "ApiKeys";

    [Range(1, 3650, ErrorMessage = "must be between 1 and 3650")]
    public int MaxLifetimeDays { get; set; } = 365;

    public bool AllowNoExpiry { get; set; }

    [Range(1, 1000, ErrorMessage = "must be between 1 and 1000")]
    public int MaxPerUser { get; set; } = 50;
}

public sealed class AuditOptions
{
    public const string Section = "Audit";

    /// <summary>Events older than this many days are removed (and the removal is itself recorded).</summary>
    [Range(1, 36500, ErrorMessage = "must be between 1 and 36500")]
    public int RetentionDays { get; set; } = 365;
}

public sealed class ProxyOptions : IValidatableObject
{
    public const string Section = "Proxy";

    /// <summary>Addresses whose X-Forwarded-For / X-Forwarded-Proto headers are trusted.</summary>
    public string[] KnownProxies { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var proxy in KnownProxies.Where(p => !System.Net.IPAddress.TryParse(p, out _)))
        {
            yield return new ValidationResult($"must hold IP addresses; '{proxy}' is not one", [nameof(KnownProxies)]);
        }
    }
}

public sealed class SessionPolicyOptions
{
    public const string Section = "Sessions";

    /// <summary>A session not used for this long ends.</summary>
    [Range(1, 525_600, ErrorMessage = "must be between 1 and 525600")]
    public int IdleTimeoutMinutes { get; set; } = 120;

    /// <summary>A session ends this long after sign-in, however active.</summary>
    [Range(1, 8_760, ErrorMessage = "must be between 1 and 8760")]
    public int AbsoluteTimeoutHours { get; set; } = 336;

    /// <summary>How stale another instance's view of a revocation may be (cache lifetime and circuit re-check).</summary>
    [Range(1, 300, ErrorMessage = "must be between 1 and 300")]
    public int RevalidationSeconds { get; set; } = 10;
}

public sealed class JwtOptions : IValidatableObject
{
    public const string Section = "Jwt";

    /// <summary>The <c>iss</c> of every token. Empty: App:PublicUrl, else the request's address.</summary>
    public string? Issuer { get; set; }

    public string Audience { get; set; } = "authportal";

    [Range(1, 60, ErrorMessage = "must be between 1 and 60")]
    public int AccessTokenMinutes { get; set; } = 10;

    [Range(1, 365, ErrorMessage = "must be between 1 and 365")]
    public int RefreshTokenDays { get; set; } = 14;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(Audience))
        {
            yield return new ValidationResult("must not be empty", [nameof(Audience)]);
        }
        if (!string.IsNullOrEmpty(Issuer) && !Uri.TryCreate(Issuer, UriKind.Absolute, out _))
        {
            yield return new ValidationResult("must be an absolute URL such as https://id.example.com", [nameof(Issuer)]);
        }
    }
}

public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    [Range(1, 10_000_000, ErrorMessage = "must be between 1 and 10000000")]
    public int TokenPerMinute { get; set; } = 10;

    [Range(1, 10_000_000, ErrorMessage = "must be between 1 and 10000000")]
    public int ApiPerMinute { get; set; } = 100;

    /// <summary>Mails one address may receive from the account forms (register, resend, forgot password) per window.</summary>
    [Range(1, 1000, ErrorMessage = "must be between 1 and 1000")]
    public int MailsPerAddress { get; set; } = 3;

    [Range(1, 1440, ErrorMessage = "must be between 1 and 1440")]
    public int MailWindowMinutes { get; set; } = 15;
}

/// <summary>OTLP export of metrics and traces (Infrastructure/Telemetry/Observability); off while Endpoint is empty.</summary>
public sealed class OpenTelemetryOptions : IValidatableObject
{
    public const string Section = "OpenTelemetry";

    /// <summary>The collector, e.g. http://127.0.0.1:4317 (gRPC) or http://127.0.0.1:4318/v1/ (HTTP).</summary>
    public string? Endpoint { get; set; }

    [AllowedValues("grpc", "http/protobuf", ErrorMessage = "must be 'grpc' or 'http/protobuf'")]
    public string Protocol { get; set; } = "grpc";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(Endpoint)
            && (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            yield return new ValidationResult("must be an absolute URL such as http://127.0.0.1:4317", [nameof(Endpoint)]);
        }
    }
}
