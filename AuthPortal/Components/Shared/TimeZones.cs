namespace AuthPortal.Components.Shared;

/// <summary>IANA time zones the machine knows, and date formatting in a person's own zone.</summary>
public static class TimeZones
{
    public static IReadOnlyList<string> All { get; } =
        TimeZoneInfo.GetSystemTimeZones().Select(z => z.Id).Where(id => id.Contains('/') || id == "UTC").Order(StringComparer.Ordinal).ToList();

    public static bool IsKnown(string? id) =>
        !string.IsNullOrWhiteSpace(id) && (id == "UTC" || TimeZoneInfo.TryFindSystemTimeZoneById(id, out _));

    public static string Format(DateTimeOffset? value, string? timeZone, string format = "yyyy-MM-dd HH:mm")
    {
        if (value is not { } instant)
        {
            return "never";
        }
        var zone = ZoneOf(timeZone);
        var local = TimeZoneInfo.ConvertTime(instant, zone);
        return $"{local.ToString(format, System.Globalization.CultureInfo.InvariantCulture)} {Abbreviation(zone, local)}";
    }

    /// <summary>The instant a calendar day starts in <paramref name="timeZone"/> (a date picked by a viewer means their day, not UTC's).</summary>
    public static DateTimeOffset StartOfDay(DateTime date, string? timeZone)
    {
        var zone = ZoneOf(timeZone);
        var midnight = DateTime.SpecifyKind(date.Date, DateTimeKind.Unspecified);
        // A midnight skipped by a daylight-saving jump starts the day an hour later.
        while (zone.IsInvalidTime(midnight))
        {
            midnight = midnight.AddHours(1);
        }
        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(midnight, zone), TimeSpan.Zero);
    }

    // An unknown or missing zone reads as UTC.
    private static TimeZoneInfo ZoneOf(string? timeZone) =>
        IsKnown(timeZone) && TimeZoneInfo.TryFindSystemTimeZoneById(timeZone!, out var found) ? found : TimeZoneInfo.Utc;

    private static string Abbreviation(TimeZoneInfo zone, DateTimeOffset local) =>
        zone == TimeZoneInfo.Utc ? "UTC" : $"UTC{(local.Offset < TimeSpan.Zero ? "-" : "+")}{local.Offset:hh\\:mm}";
}
