using System.Text.Json.Serialization;
using AuthPortal.Data;

namespace AuthPortal.Features.Sessions;

/// <summary>A live session as the pages and the API list it (DESIGN.md: <c>GET /api/me/sessions</c>).</summary>
public sealed record SessionView(string Id, [property: JsonConverter(typeof(JsonStringEnumConverter<SessionKind>))] SessionKind Kind, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, DateTimeOffset ExpiresAt,
    string? IpAddress, string Device, bool Current);

/// <summary>A live session of any account, as the administrators' list shows it.</summary>
public sealed record LiveSessionRow(string Id, string UserId, string Email, string DisplayName, bool IsServiceAccount, SessionKind Kind,
    DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, DateTimeOffset ExpiresAt, string? IpAddress, string Device);
