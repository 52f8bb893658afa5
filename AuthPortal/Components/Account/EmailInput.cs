using System.ComponentModel.DataAnnotations;

namespace AuthPortal.Components.Account;

/// <summary>The one-field form of the "send me a link" pages.</summary>
public sealed class EmailInput
{
    [Required(ErrorMessage = "Enter your email address.")]
    [EmailAddress(ErrorMessage = "Enter a valid email address.")]
    [MaxLength(256)]
    public string Email { get; set; } = "";
}
