using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.AspNetCore.Components.Rendering;

namespace AuthPortal.Components.Account.Shared;

/// <summary>
/// A password field for the static account forms. Unlike <c>InputText type="password"</c> it never writes what was
/// typed back into the page: a form shown again after a failure carries no password in its HTML (where caches,
/// "view source" and saved pages would keep it), and a failed sign-in looks the same whatever the password was.
/// </summary>
public sealed class PasswordInput : InputText
{
    protected override void BuildRenderTree(RenderTreeBuilder builder)
    {
        builder.OpenElement(0, "input");
        builder.AddMultipleAttributes(1, AdditionalAttributes);
        builder.AddAttribute(2, "type", "password");
        if (!string.IsNullOrEmpty(NameAttributeValue))
        {
            builder.AddAttribute(3, "name", NameAttributeValue);
        }
        if (!string.IsNullOrEmpty(CssClass))
        {
            builder.AddAttribute(4, "class", CssClass);
        }
        builder.AddAttribute(5, "value", "");
        builder.AddAttribute(6, "onchange", EventCallback.Factory.CreateBinder<string?>(this, value => CurrentValueAsString = value, CurrentValueAsString));
        builder.SetUpdatesAttributeName("value");
        builder.CloseElement();
    }
}
