namespace AuthPortal.Infrastructure.Hosting;

/// <summary>
/// The commands <c>dotnet AuthPortal.dll</c> understands. Configuration arguments (<c>--Key=value</c>, <c>--Key value</c>,
/// <c>Key=value</c>) are the host's; the words left are the command, and a command it does not know is refused.
/// </summary>
public static class CommandLine
{
    public const string Usage = """
        Usage: dotnet AuthPortal.dll [command] [--Config:Key=value ...]

        Commands:
          (none)          serve the portal
          migrate         apply database migrations, then exit
          audit verify    check the audit log's chain; exit 0 when intact, 1 when broken (naming the first broken link)
          backup <file>   copy the running SQLite database to a new file, consistently, and check the copy; exit 0 when done
        """;

    public enum Command { Serve, Migrate, AuditVerify, Backup, Unknown }

    /// <summary>The command, the words it was given (for messages) and its argument (the backup's file), if it takes one.</summary>
    public static (Command Command, string Words, string? Argument) Parse(string[] args)
    {
        var words = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg.StartsWith('-'))
            {
                // "--Key value": the value belongs to the switch.
                if (!arg.Contains('=') && i + 1 < args.Length && !args[i + 1].StartsWith('-'))
                {
                    i++;
                }
                continue;
            }
            if (!arg.Contains('='))
            {
                words.Add(arg);
            }
        }
        var joined = string.Join(' ', words);
        if (words is [var verb, var file] && verb.Equals("backup", StringComparison.OrdinalIgnoreCase))
        {
            return (Command.Backup, joined, file);
        }
        return (joined.ToLowerInvariant() switch
        {
            "" => Command.Serve,
            "migrate" => Command.Migrate,
            "audit verify" => Command.AuditVerify,
            _ => Command.Unknown,
        }, joined, null);
    }
}
