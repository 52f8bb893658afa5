using System.Text.Json;
using AuthPortal.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;

namespace AuthPortal.Features.SignIn;

/// <summary>
/// Signs in with a WebAuthn assertion. Kept apart from the password path: a passkey is both factors at once, so
/// it skips the second factor, and Identity's passkey check already refuses locked and disallowed accounts.
/// </summary>
public sealed class PasskeySignIn(UserManager<AppUser> userManager, SignInManager<AppUser> signInManager, SignInRecorder recorder)
{
    public async Task<bool> SignInAsync(string credentialJson)
    {
        var user = await FindByCredentialAsync(credentialJson);
        var result = await signInManager.PasskeySignInAsync(credentialJson);
        if (result.Succeeded && user is not null)
        {
            await recorder.RecordSucceededAsync(user, SignInMethods.Passkey);
            return true;
        }
        var reason = result.IsLockedOut ? "locked_out" : result.IsNotAllowed ? "not_allowed" : "bad_passkey";
        await recorder.RecordFailureAsync(user, user?.UserName ?? "", reason, SignInMethods.Passkey);
        return false;
    }

    private async Task<AppUser?> FindByCredentialAsync(string credentialJson)
    {
        try
        {
            using var document = JsonDocument.Parse(credentialJson);
            return document.RootElement.TryGetProperty("id", out var id) && id.GetString() is { } encoded
                ? await userManager.FindByPasskeyIdAsync(WebEncoders.Base64UrlDecode(encoded))
                : null;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }
}
