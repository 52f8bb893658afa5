using AuthPortal.Data;
using Microsoft.EntityFrameworkCore;

namespace AuthPortal.Infrastructure.Database;

/// <summary>
/// Substring search over people's email, user name and display name that reads an index instead of every row: on SQLite
/// the FTS5 trigram tokenizer (case-insensitive), maintained by triggers on AspNetUsers; on PostgreSQL a pg_trgm GIN
/// index on the same text, upper-cased, which LIKE reads. Both match the term as a plain substring (no wildcards). A
/// term shorter than three characters has no trigram to look up; the caller then scans.
/// </summary>
public static class UserSearchIndex
{
    public const int MinimumTermLength = 3;

    public const string CreateSql = """
        CREATE VIRTUAL TABLE "UserSearch" USING fts5("UserId" UNINDEXED, "Text", tokenize = 'trigram');
        INSERT INTO "UserSearch" ("UserId", "Text")
            SELECT "Id", coalesce("Email", '') || ' ' || coalesce("UserName", '') || ' ' || "DisplayName" FROM "AspNetUsers";
        CREATE TRIGGER "UserSearch_Insert" AFTER INSERT ON "AspNetUsers" BEGIN
            INSERT INTO "UserSearch" ("UserId", "Text") VALUES (new."Id", coalesce(new."Email", '') || ' ' || coalesce(new."UserName", '') || ' ' || new."DisplayName");
        END;
        CREATE TRIGGER "UserSearch_Update" AFTER UPDATE OF "Email", "UserName", "DisplayName" ON "AspNetUsers" BEGIN
            DELETE FROM "UserSearch" WHERE "UserId" = old."Id";
            INSERT INTO "UserSearch" ("UserId", "Text") VALUES (new."Id", coalesce(new."Email", '') || ' ' || coalesce(new."UserName", '') || ' ' || new."DisplayName");
        END;
        CREATE TRIGGER "UserSearch_Delete" AFTER DELETE ON "AspNetUsers" BEGIN
            DELETE FROM "UserSearch" WHERE "UserId" = old."Id";
        END;
        """;

    public const string DropSql = """
        DROP TRIGGER IF EXISTS "UserSearch_Delete";
        DROP TRIGGER IF EXISTS "UserSearch_Update";
        DROP TRIGGER IF EXISTS "UserSearch_Insert";
        DROP TABLE IF EXISTS "UserSearch";
        """;

    /// <summary>
    /// The indexed text on PostgreSQL; the query repeats it exactly, so the planner uses the index. Upper-cased under
    /// ICU's root collation, not the database's: a database made with the C locale would fold only ASCII letters, and
    /// "jörg" would not find "JÖRG" as it does on SQLite.
    /// </summary>
    public const string PostgresText = """upper((coalesce("Email", '') || ' ' || coalesce("UserName", '') || ' ' || "DisplayName") COLLATE "und-x-icu")""";

    /// <summary>The collation PostgreSQL folds case under, for searches that scan instead of reading the index.</summary>
    public const string PostgresCaseCollation = "und-x-icu";

    public const string PostgresCreateSql = $"""
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        CREATE INDEX "IX_AspNetUsers_Search" ON "AspNetUsers" USING gin (({PostgresText}) gin_trgm_ops);
        """;

    public const string PostgresDropSql = """DROP INDEX IF EXISTS "IX_AspNetUsers_Search";""";

    /// <summary>Past this many matches a term is broad: walking the list in its sort order finds a page sooner than sorting every match.</summary>
    public const int SelectiveLimit = 2_000;

    /// <summary>
    /// The ids of people whose email, user name or display name contains <paramref name="term"/>, when the index can
    /// answer it and the term is selective; null when the term is too short to look up or matches so many people that
    /// scanning in list order is faster (the caller then filters row by row).
    /// </summary>
    public static async Task<IQueryable<string>?> SelectiveMatchesAsync(AppDbContext db, string term, CancellationToken cancellationToken)
    {
        term = term.Trim();
        if (term.Length < MinimumTermLength)
        {
            return null;
        }
        IQueryable<string> matches;
        if (db.Database.IsPostgres())
        {
            // LIKE's wildcards and its escape character in the term are matched literally.
            var pattern = "%" + term.ToUpperInvariant().Replace("\\", "\\\\", StringComparison.Ordinal)
                .Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
            matches = db.Database.SqlQueryRaw<string>($"SELECT \"Id\" AS \"Value\" FROM \"AspNetUsers\" WHERE {PostgresText} LIKE {{0}}", pattern);
        }
        else
        {
            // One FTS5 string (a phrase): the term matches as a substring, whatever it contains.
            var phrase = "\"" + term.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
            matches = db.Database.SqlQuery<string>($"SELECT \"UserId\" AS \"Value\" FROM \"UserSearch\" WHERE \"Text\" MATCH {phrase}");
        }
        return await matches.Take(SelectiveLimit + 1).CountAsync(cancellationToken) > SelectiveLimit ? null : matches;
    }
}
