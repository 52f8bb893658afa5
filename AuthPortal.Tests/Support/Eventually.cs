namespace AuthPortal.Tests.Support;

/// <summary>
/// Reads a value until it is what the test expects, for a bounded time. For outcomes another actor may be committing
/// at that moment: moving the fake clock past an hour also wakes the hourly session sweep, which may be the one that
/// ends a session, and its transaction can still be open when the request that found the session ended answers.
/// </summary>
public static class Eventually
{
    public static async Task<T> ReadAsync<T>(Func<Task<T>> read, Func<T, bool> expected, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var value = await read();
            if (expected(value) || DateTime.UtcNow >= deadline)
            {
                return value;
            }
            await Task.Delay(50);
        }
    }
}
