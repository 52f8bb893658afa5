using System.Text;

namespace AuthPortal.Tests.Support;

/// <summary>Whether a secret appears anywhere the database keeps data: SQLite's files as bytes, or every PostgreSQL row as text.</summary>
public static class StoredData
{
    public static async Task AssertAbsentAsync(PortalFactory portal, string secret)
    {
        if (TestDatabase.IsPostgres)
        {
            var tables = await portal.WithDbAsync(db => db.Database.SqlQueryRaw<string>(
                "SELECT table_name AS \"Value\" FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'").ToListAsync());
            Assert.NotEmpty(tables);
            foreach (var table in tables)
            {
                // The table name comes from the catalog just read, not from input; the secret is a parameter.
#pragma warning disable EF1002
                var hits = await portal.WithDbAsync(db => db.Database.SqlQueryRaw<int>(
                    $"SELECT COUNT(*)::int AS \"Value\" FROM \"{table}\" t WHERE strpos(t::text, {{0}}) > 0", secret).SingleAsync());
#pragma warning restore EF1002
                Assert.True(hits == 0, $"The secret is stored in clear in {table}.");
            }
            return;
        }
        await portal.WithDbAsync(db => db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE);"));
        var needle = Encoding.UTF8.GetBytes(secret);
        var files = Directory.GetFiles(portal.Directory_, "authportal.db*");
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            Assert.Equal(-1, File.ReadAllBytes(file).AsSpan().IndexOf(needle));
        }
    }
}
