namespace AuthPortal.Components.Shared;

public static class Initials
{
    /// <summary>"Ada Lovelace" → "AL", "grace@example.com" → "G".</summary>
    public static string From(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return "?";
        }
        var local = name.Split('@')[0];
        var parts = local.Split([' ', '.', '-', '_'], StringSplitOptions.RemoveEmptyEntries);
        var letters = parts.Take(2).Select(p => char.ToUpperInvariant(p[0]));
        return string.Concat(letters) is { Length: > 0 } initials ? initials : "?";
    }
}
