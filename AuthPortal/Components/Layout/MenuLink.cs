using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;

namespace AuthPortal.Components.Layout;

/// <summary>
/// The app bar menus' items as markup with MudBlazor's icon classes: no component per item, and they work on a page
/// rendered without a circuit.
/// </summary>
public static class MenuLink
{
    public static RenderFragment Render(string href, string icon, string text, string? testId = null) => builder =>
    {
        builder.OpenElement(0, "a");
        builder.AddAttribute(1, "href", href);
        builder.AddAttribute(2, "class", "ap-menu-item");
        builder.AddAttribute(4, "data-testid", testId);
        builder.AddContent(5, Icon(icon));
        builder.OpenElement(6, "span");
        builder.AddContent(7, text);
        builder.CloseElement();
        builder.CloseElement();
    };

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
}
