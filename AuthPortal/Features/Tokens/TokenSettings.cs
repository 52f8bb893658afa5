using AuthPortal.Infrastructure.Options;
using AuthPortal.Infrastructure.Security;

namespace AuthPortal.Features.Tokens;

/// <summary>Values fixed at start: the issuer every token carries and every validation expects.</summary>
public sealed class TokenSettings(string issuer)
{
    public string Issuer { get; } = issuer;

    /// <summary>Jwt:Issuer, else the portal's public address.</summary>
    public static TokenSettings From(IConfiguration configuration) =>
        new((configuration[$"{JwtOptions.Section}:Issuer"] is { Length: > 0 } issuer ? issuer : PublicAddress.WithoutRequest(configuration)).TrimEnd('/'));
}
