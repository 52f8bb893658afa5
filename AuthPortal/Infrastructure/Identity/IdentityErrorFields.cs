using Microsoft.AspNetCore.Components.Forms;
using Microsoft.AspNetCore.Identity;

namespace AuthPortal.Infrastructure.Identity;

/// <summary>Which form field an Identity error is about, so every form shows it next to that field.</summary>
public static class IdentityErrorFields
{
    public const string Password = "Password";
    public const string Email = "Email";
    public const string DisplayName = DisplayNames.Field;

    /// <summary><see cref="Password"/>, <see cref="Email"/> (user names are emails here), <see cref="DisplayName"/>, or null for the whole form.</summary>
    public static string? FieldOf(IdentityError error) =>
        error.Code == DisplayName ? DisplayName
        : error.Code.StartsWith("Password", StringComparison.Ordinal) ? Password
        : error.Code.Contains("Email", StringComparison.Ordinal) || error.Code.Contains("UserName", StringComparison.Ordinal) ? Email
        : null;

    /// <summary>
    /// Adds each error to its field of a form whose model has Password and Email properties; returns the
    /// errors that belong to no field, as one message (or null).
    /// </summary>
    public static string? Attach(IEnumerable<IdentityError> errors, EditContext editContext, ValidationMessageStore messages)
    {
        string? general = null;
        foreach (var error in errors)
        {
            if (FieldOf(error) is { } field)
            {
                messages.Add(editContext.Field(field), error.Description);
            }
            else
            {
                general = error.Description;
            }
        }
        editContext.NotifyValidationStateChanged();
        return general;
    }
}
