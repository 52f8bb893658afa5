namespace AuthPortal.Data;

/// <summary>
/// A server secret (an HMAC key, for example), stored encrypted with Data Protection, whose key ring is in turn
/// encrypted with the key-ring certificate: the database alone does not reveal it.
/// </summary>
public sealed class ProtectedSecret
{
    public string Name { get; set; } = "";
    public string ProtectedValue { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}
