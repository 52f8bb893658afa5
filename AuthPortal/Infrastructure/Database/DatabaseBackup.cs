using AuthPortal.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace AuthPortal.Infrastructure.Database;

public sealed record BackupResult(bool Succeeded, string Message);

/// <summary>
/// <c>dotnet AuthPortal.dll backup &lt;file&gt;</c>: a consistent copy of a running SQLite database. <c>VACUUM INTO</c> reads
/// one snapshot (a read transaction, which in WAL mode never blocks the portal's writers) and writes it compacted to a new
/// file; the copy is then opened on its own and must pass <c>PRAGMA integrity_check</c>. PostgreSQL has its own tool for
/// this (<c>pg_dump</c>), which the command names instead of imitating it.
/// </summary>
public static class DatabaseBackup
{
    public static async Task<BackupResult> WriteAsync(AppDbContext db, string file, CancellationToken cancellationToken = default)
    {
        if (!db.Database.IsSqlite())
        {
            return new(false, "The backup command copies SQLite databases. For PostgreSQL use pg_dump, e.g. pg_dump -Fc -d authportal -f authportal.dump (see the README's Backups).");
        }
        var target = Path.GetFullPath(file);
        if (File.Exists(target))
        {
            return new(false, $"{target} already exists; a backup never overwrites a file.");
        }
        if (Path.GetDirectoryName(target) is { } directory && !Directory.Exists(directory))
        {
            return new(false, $"The folder {directory} does not exist.");
        }

        try
        {
            // VACUUM INTO takes a file name as a value, so it is a parameter, not text spliced into SQL.
            await db.Database.ExecuteSqlAsync($"VACUUM INTO {target}", cancellationToken);
        }
        catch (SqliteException ex)
        {
            File.Delete(target);
            return new(false, $"The copy failed: {ex.Message}");
        }

        var check = await IntegrityCheckAsync(target, cancellationToken);
        if (check != "ok")
        {
            File.Delete(target);
            return new(false, $"The copy did not pass the integrity check ({check}); nothing was kept.");
        }
        return new(true, $"Backed up to {target} ({new FileInfo(target).Length:N0} bytes); the copy passed the integrity check.");
    }

    /// <summary><c>PRAGMA integrity_check</c> on a SQLite file, opened on its own (no pool, read-only): "ok" when sound.</summary>
    public static async Task<string> IntegrityCheckAsync(string file, CancellationToken cancellationToken = default)
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            lines.Add(reader.GetString(0));
        }
        return string.Join("; ", lines);
    }
}
