namespace AuthPortal.Tests.Support;

/// <summary>
/// A fault inside the database, on either provider: a trigger that refuses a write, as a full disk or a failing server
/// would, so a test can show that a change and what goes with it roll back together.
/// </summary>
public static class DatabaseFaults
{
    /// <param name="timing">What the trigger fires before: <c>INSERT</c>, or <c>UPDATE OF "Column"</c>.</param>
    /// <param name="when">A condition on <c>NEW."Column"</c>, or null for every row.</param>
    public static Task RefuseAsync(PortalFactory portal, string name, string timing, string table, string? when = null) =>
        portal.WithDbAsync(db => db.Database.ExecuteSqlRawAsync(TestDatabase.IsPostgres
            ? $"""
               CREATE FUNCTION {name}_fault() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by {name}'; END $$;
               CREATE TRIGGER {name} BEFORE {timing} ON "{table}" FOR EACH ROW {(when is null ? "" : $"WHEN ({when})")} EXECUTE FUNCTION {name}_fault();
               """
            : $"""CREATE TRIGGER {name} BEFORE {timing} ON "{table}" {(when is null ? "" : $"WHEN {when}")} BEGIN SELECT RAISE(ABORT, 'refused by {name}'); END;"""));

    public static Task RemoveAsync(PortalFactory portal, string name, string table) =>
        portal.WithDbAsync(db => db.Database.ExecuteSqlRawAsync(TestDatabase.IsPostgres
            ? $"""DROP TRIGGER {name} ON "{table}"; DROP FUNCTION {name}_fault();"""
            : $"DROP TRIGGER {name};"));
}
