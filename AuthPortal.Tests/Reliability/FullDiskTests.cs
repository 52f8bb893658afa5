using System.Diagnostics;
using AuthPortal.Infrastructure.Database;
using AuthPortal.Features.Audit;
using Microsoft.Data.Sqlite;

namespace AuthPortal.Tests.Reliability;

/// <summary>
/// The SQLite file on a small tmpfs (mounted by the test; the suite runs as root) that fills up: writes answer 503 with a
/// problem detail, reads and existing sessions keep working, nothing is corrupted, and writes resume when space returns.
/// </summary>
[Trait("Category", "Reliability")]
public sealed class FullDiskTests
{
    [SqliteFact]
    public async Task WithTheDiskFullWritesAnswer503ReadsWorkAndWritesResumeWhenSpaceReturns()
    {
        var directory = TestPaths.NewTempDirectory("full-disk");
        Mount(directory);
        try
        {
            await RunAsync(directory);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Run("umount", "-l", directory);
        }
    }

    private static async Task RunAsync(string directory)
    {
        using var portal = new PortalFactory(directory);
        await portal.CreateUserAsync("full-disk@example.com", administrator: true);
        var client = portal.CreatePortalClient();
        var tokens = await client.GetTokensAsync("full-disk@example.com");
        var browser = portal.CreatePortalClient();
        Assert.Equal(HttpStatusCode.Redirect, (await browser.SignInAsync("full-disk@example.com")).StatusCode);

        // Empty the write-ahead log into the database, so the next write needs new space, then fill every byte left.
        await using (var connection = new SqliteConnection($"Data Source={portal.DatabasePath};Pooling=false"))
        {
            await connection.OpenAsync();
            await using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            await checkpoint.ExecuteNonQueryAsync();
        }
        var filler = Path.Combine(directory, "filler");
        Fill(filler);

        var profile = await client.SendWithTokenAsync(HttpMethod.Patch, "/api/me", tokens.AccessToken, new { displayName = "Written On A Full Disk" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, profile.StatusCode);
        var problem = await profile.JsonAsync();
        Assert.Equal(StorageFull.Title, problem.GetProperty("title").GetString());
        Assert.True(profile.Headers.Contains("Retry-After"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.SendWithTokenAsync(HttpMethod.Post, "/api/roles", tokens.AccessToken, new { name = "full-disk-role" })).StatusCode);

        // Reads, the token and the browser session issued before keep working.
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/api/me", tokens.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetWithTokenAsync("/api/me/sessions", tokens.AccessToken)).StatusCode);
        var home = await browser.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Contains("full-disk@example.com", await home.Content.ReadAsStringAsync());

        // Space returns: writes work again, by themselves.
        File.Delete(filler);
        var resumed = await client.SendWithTokenAsync(HttpMethod.Patch, "/api/me", tokens.AccessToken, new { displayName = "Written After" });
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.Equal("Written After", await portal.WithDbAsync(db => db.Users.Where(u => u.Email == "full-disk@example.com").Select(u => u.DisplayName).SingleAsync()));
        Assert.False(await portal.WithDbAsync(db => db.Roles.AnyAsync(r => r.Name == "full-disk-role")));
        Assert.Equal("ok", await DatabaseBackup.IntegrityCheckAsync(portal.DatabasePath));
        Assert.True((await portal.Services.GetRequiredService<AuditLog>().VerifyAsync()).Intact);

        ReliabilityReport.Record("Full disk", "the SQLite file on a 16 MB tmpfs filled to the last byte, then emptied", "2 writes, 3 reads while full; 1 write after",
            "writes 503 with a problem detail; reads and existing sessions work; nothing corrupted; writes resume",
            "503 \"Storage full\" with Retry-After for both writes; token, API and page reads 200; integrity_check ok; chain intact; the write after space returned 200");
    }

    private static void Fill(string path)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.WriteThrough);
        var chunk = new byte[64 * 1024];
        try
        {
            while (true)
            {
                file.Write(chunk);
            }
        }
        catch (IOException)
        {
            // Full: now the last bytes, one small write at a time.
            try
            {
                while (true)
                {
                    file.Write(chunk, 0, 512);
                }
            }
            catch (IOException)
            {
            }
        }
    }

    private static void Mount(string directory)
    {
        var (code, output) = Run("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", directory);
        Assert.True(code == 0, $"The full-disk test mounts a tmpfs and needs root (./test.sh runs as root in CI): {output}");
    }

    private static (int Code, string Output) Run(string command, params string[] arguments)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit(30_000);
        return (process.ExitCode, output);
    }
}
