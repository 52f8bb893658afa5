namespace AuthPortal.Infrastructure.Api;

/// <summary>RFC 4180 fields for the streamed exports, with spreadsheet formula injection neutralised (OWASP: a leading = + - @ is quoted as text).</summary>
public static class Csv
{
    public static string Field(string? value)
    {
        value ??= "";
        if (value.Length > 0 && "=+-@\t\r".Contains(value[0]))
        {
            value = "'" + value;
        }
        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
    }
}
