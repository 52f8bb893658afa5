using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace AuthPortal.Tests.Support;

/// <summary>
/// Which database the integration suite runs on: SQLite unless <c>AUTHPORTAL_TEST_DATABASE=Postgres</c> (set by
/// <c>./test.sh</c> for its second pass). The one switch: <see cref="PortalFactory"/> reads it, no test is copied.
/// </summary>
public static class TestDatabase
{
    public static bool IsPostgres { get; } =
        string.Equals(Environment.GetEnvironmentVariable("AUTHPORTAL_TEST_DATABASE"), "Postgres", StringComparison.OrdinalIgnoreCase);

    /// <summary>The provider this pass runs on, as reports name it.</summary>
    public static string Name => IsPostgres ? "PostgreSQL" : "SQLite";
}

/// <summary>
/// A throwaway PostgreSQL server from Debian's packages: its own cluster in a temporary directory, on a free loopback
/// port, started on first use and stopped when the test process exits (also when tests fail). Durability is off:
/// the data is thrown away anyway.
/// </summary>
public sealed class PostgresServer
{
    private static readonly Lazy<PostgresServer> Instance = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);
    private int _databases;

    private PostgresServer(string directory, int port)
    {
        Directory_ = directory;
        Port = port;
    }

    public static PostgresServer Shared => Instance.Value;

    public string Directory_ { get; }
    public int Port { get; }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Database={database};Username=postgres;Pooling=true;Maximum Pool Size=40;Connection Idle Lifetime=10";

    /// <summary>A new, empty database; the app creates its schema on start.</summary>
    public string CreateDatabase(string? name = null)
    {
        name ??= $"portal_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid():N}"[..40];
        using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        connection.Open();
        using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", name);
        if (exists.ExecuteScalar() is null)
        {
            using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            create.ExecuteNonQuery();
        }
        return ConnectionString(name);
    }

    private static PostgresServer Start()
    {
        var bin = Directory.EnumerateDirectories("/usr/lib/postgresql").OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
            .Select(d => Path.Combine(d, "bin")).FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")))
            ?? throw new InvalidOperationException("PostgreSQL is not installed: ./test.sh installs it (apt-get install -y postgresql).");
        // Short: the server's Unix socket lives here too, and socket paths are limited to about 100 characters.
        var directory = Path.Combine(Path.GetTempPath(), $"ap-pg-{Guid.NewGuid():N}"[..20]);
        Directory.CreateDirectory(directory);
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            // PostgreSQL refuses to run as root: the cluster belongs to the packages' postgres user.
            Run("chown", ["postgres:postgres", directory], asPostgres: false);
        }
        var data = Path.Combine(directory, "data");
        Run(Path.Combine(bin, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--locale=C"], asRoot);
        var port = FreePort();
        var options = $"-p {port} -c listen_addresses=127.0.0.1 -k {directory} -c fsync=off -c synchronous_commit=off -c full_page_writes=off " +
            "-c max_connections=400 -c shared_buffers=64MB";
        Run(Path.Combine(bin, "pg_ctl"), ["-D", data, "-o", options, "-l", Path.Combine(directory, "server.log"), "-w", "-t", "60", "start"], asRoot);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            NpgsqlConnection.ClearAllPools();
            Run(Path.Combine(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"], asRoot, throwOnFailure: false);
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // Left for the OS's temp cleanup.
            }
        };
        return new PostgresServer(directory, port);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Run(string file, IReadOnlyList<string> arguments, bool asPostgres, bool throwOnFailure = true)
    {
        var start = asPostgres ? new ProcessStartInfo("runuser") : new ProcessStartInfo(file);
        if (asPostgres)
        {
            foreach (var a in new[] { "-u", "postgres", "--", file })
            {
                start.ArgumentList.Add(a);
            }
        }
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.WorkingDirectory = "/tmp";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0 && throwOnFailure)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} failed ({process.ExitCode}): {error} {output.Result}");
        }
    }
}

/// <summary>A test of something only SQLite has (its file, pragmas, triggers): skipped on the PostgreSQL pass.</summary>
public sealed class SqliteFactAttribute : FactAttribute
{
    public SqliteFactAttribute()
    {
        if (TestDatabase.IsPostgres)
        {
            Skip = "SQLite only: this pass runs on PostgreSQL.";
        }
    }
}
