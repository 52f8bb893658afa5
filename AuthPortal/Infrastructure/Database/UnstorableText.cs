using Npgsql;

namespace AuthPortal.Infrastructure.Database;

/// <summary>
/// Text PostgreSQL refuses to compare or store (a NUL character, bytes that are not UTF-8), reaching it from a query value
/// or a form: the client's input, so a 400, not a 500. JSON bodies refuse such text earlier, naming the field (StrictJson).
/// </summary>
public static class UnstorableText
{
    public const string Detail = "The request holds a character that cannot be stored or searched for, such as NUL.";

    public static bool Is(Exception? exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            // character_not_in_repertoire, untranslatable_character
            if (current is PostgresException { SqlState: "22021" or "22P05" })
            {
                return true;
            }
        }
        return false;
    }
}
