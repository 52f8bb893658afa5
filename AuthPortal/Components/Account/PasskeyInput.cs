namespace AuthPortal.Components.Account;

/// <summary>What passkeys.js posts: the credential JSON, or why there is none.</summary>
public sealed class PasskeyInput
{
    public string? CredentialJson { get; set; }
    public string? Error { get; set; }
}
