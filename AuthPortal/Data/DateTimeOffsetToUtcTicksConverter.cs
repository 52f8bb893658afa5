using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace AuthPortal.Data;

/// <summary>Stores a <see cref="DateTimeOffset"/> as UTC ticks and reads it back as UTC.</summary>
internal sealed class DateTimeOffsetToUtcTicksConverter()
    : ValueConverter<DateTimeOffset, long>(
        value => value.UtcTicks,
        ticks => new DateTimeOffset(ticks, TimeSpan.Zero));
