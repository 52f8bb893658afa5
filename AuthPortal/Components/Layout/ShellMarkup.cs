using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;

namespace AuthPortal.Components.Layout;

/// <summary>
/// The shell's icons and menu items as markup with MudBlazor's classes: no component each (a component is kept for the
/// life of a circuit), and they render the same on a page without a circuit.
/// </summary>
public static class ShellMarkup
{
    /// <summary>A Material icon (its SVG path markup) the size MudIcon draws it.</summary>
    public static RenderFragment Icon(string icon, string? extraClass = null) => builder =>
    {
        builder.OpenElement(0, "svg");
        builder.AddAttribute(1, "class", $"mud-icon-root mud-svg-icon mud-icon-size-medium {extraClass}".TrimEnd());
        builder.AddAttribute(2, "focusable", "false");
        builder.AddAttribute(3, "viewBox", "0 0 24 24");
        builder.AddAttribute(4, "aria-hidden", "true");
        builder.AddMarkupContent(5, icon);
        builder.CloseElement();
    };

    /// <summary>A link in one of the app bar's menus (UserMenu, OrgSwitcher).</summary>
    public static RenderFragment MenuItem(string href, string icon, string text) => builder =>
    {
        builder.OpenElement(0, "a");
        builder.AddAttribute(1, "href", href);
        builder.AddAttribute(2, "class", "ap-menu-item");
        builder.AddContent(3, Icon(icon));
        builder.OpenElement(4, "span");
        builder.AddContent(5, text);
        builder.CloseElement();
        builder.CloseElement();
    };
}
