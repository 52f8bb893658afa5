using System.Data.Common;
using AuthPortal.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AuthPortal.Tests.Support;

/// <summary>
/// Fills a portal's database with many people quickly: one password hash computed once and shared (not one PBKDF2 run per
/// user), rows inserted through one prepared command in one transaction. Used by the list-query tests and the benchmark.
/// Every 1,000th person is disabled, every 500th locked, every 10th unconfirmed, every 4th has 2FA; user i signed in i % 120
/// days ago (none for i % 7 == 0).
/// </summary>
public static class UserSeeder
{
    public const string Password = "seeded passphrase for every user";

    public static string EmailOf(int i) => $"user{i:D6}@seed.test";

    /// <summary>Whether person <paramref name="i"/> gets a token with the password alone: confirmed, not locked or disabled, no 2FA.</summary>
    public static bool SignsInWithPasswordAlone(int i) => i % 10 != 0 && i % 500 != 0 && i % 1000 != 999 && i % 4 != 0;

    /// <summary>Seeds a SQLite file the app has migrated (and is not running on), then lets go of the file.</summary>
    public static async Task SeedFileAsync(string database, int count, DateTimeOffset now)
    {
        await using (var db = new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseSqlite($"Data Source={database}").Options))
        {
            await SeedAsync(db, count, now);
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    public static async Task SeedAsync(AppDbContext db, int count, DateTimeOffset now)
    {
        var hash = new PasswordHasher<AppUser>().HashPassword(new AppUser(), Password);
        var connection = db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await connection.OpenAsync();
        }
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        var columns = new[]
        {
            "Id", "UserName", "NormalizedUserName", "Email", "NormalizedEmail", "EmailConfirmed", "PasswordHash", "SecurityStamp", "ConcurrencyStamp",
            "PhoneNumberConfirmed", "TwoFactorEnabled", "LockoutEnd", "LockoutEnabled", "AccessFailedCount", "DisplayName", "TimeZone", "CreatedAt",
            "LastSignInAt", "DisabledAt", "IsServiceAccount",
        };
        command.CommandText = $"INSERT INTO \"AspNetUsers\" ({string.Join(", ", columns.Select(c => $"\"{c}\""))}) VALUES ({string.Join(", ", columns.Select(c => "@" + c))})";
        var parameters = columns.ToDictionary(c => c, c =>
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@" + c;
            command.Parameters.Add(parameter);
            return parameter;
        });
        for (var i = 0; i < count; i++)
        {
            var email = EmailOf(i);
            Set(parameters, "Id", Guid.NewGuid().ToString());
            Set(parameters, "UserName", email);
            Set(parameters, "NormalizedUserName", email.ToUpperInvariant());
            Set(parameters, "Email", email);
            Set(parameters, "NormalizedEmail", email.ToUpperInvariant());
            Set(parameters, "EmailConfirmed", i % 10 != 0);
            Set(parameters, "PasswordHash", hash);
            Set(parameters, "SecurityStamp", Guid.NewGuid().ToString("N"));
            Set(parameters, "ConcurrencyStamp", Guid.NewGuid().ToString());
            Set(parameters, "PhoneNumberConfirmed", false);
            Set(parameters, "TwoFactorEnabled", i % 4 == 0);
            Set(parameters, "LockoutEnd", i % 500 == 0 ? now.AddYears(100).UtcTicks : null);
            Set(parameters, "LockoutEnabled", true);
            Set(parameters, "AccessFailedCount", 0);
            Set(parameters, "DisplayName", $"Seed User {i}");
            Set(parameters, "TimeZone", "UTC");
            Set(parameters, "CreatedAt", now.AddMinutes(-i).UtcTicks);
            Set(parameters, "LastSignInAt", i % 7 == 0 ? null : now.AddDays(-(i % 120)).UtcTicks);
            Set(parameters, "DisabledAt", i % 1000 == 999 ? now.AddDays(-1).UtcTicks : null);
            Set(parameters, "IsServiceAccount", false);
            if (i == 0)
            {
                // Prepared once the parameters hold values (PostgreSQL types them from the first ones).
                await command.PrepareAsync();
            }
            await command.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();
    }

    private static void Set(Dictionary<string, DbParameter> parameters, string column, object? value) => parameters[column].Value = value ?? DBNull.Value;

    /// <summary>
    /// Audit events spread over the last 60 days (half sign-ins, a tenth failed sign-ins, the rest other actions), written
    /// raw in one transaction: for measuring reads of a large log, not a chain to verify.
    /// </summary>
    public static async Task SeedAuditEventsAsync(AppDbContext db, int count, DateTimeOffset now)
    {
        var connection = db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await connection.OpenAsync();
        }
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO \"AuditEvents\" (\"OccurredAt\", \"Action\", \"ActorKind\", \"TargetType\", \"TargetId\", \"Succeeded\", \"PreviousHash\", \"Hash\") " +
            "VALUES (@at, @action, 'User', 'user', @target, @succeeded, '', '')";
        var at = command.CreateParameter(); at.ParameterName = "@at"; command.Parameters.Add(at);
        var action = command.CreateParameter(); action.ParameterName = "@action"; command.Parameters.Add(action);
        var target = command.CreateParameter(); target.ParameterName = "@target"; command.Parameters.Add(target);
        var succeeded = command.CreateParameter(); succeeded.ParameterName = "@succeeded"; command.Parameters.Add(succeeded);
        var span = TimeSpan.FromDays(60).Ticks;
        for (var i = 0; i < count; i++)
        {
            at.Value = now.UtcTicks - span * i / count;
            var kind = i % 10;
            action.Value = kind < 5 ? "signin.succeeded" : kind == 5 ? "signin.failed" : kind == 6 ? "session.revoked" : kind == 7 ? "user.profile_updated" : "token.refreshed";
            succeeded.Value = kind != 5;
            target.Value = EmailOf(i % 100_000);
            if (i == 0)
            {
                await command.PrepareAsync();
            }
            await command.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();
    }
}
