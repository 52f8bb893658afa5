using System.Globalization;
using System.Text;

namespace AuthPortal.Infrastructure.Identity;

/// <summary>
/// The rule for names people choose for themselves, wherever they are set (registration, setup, profile, API): the
/// text is normalised to NFC, and control, format and direction characters (NUL, ANSI escapes, U+202E, zero-width
/// joiners and spaces) are refused, so a name cannot hide, reorder or spoof the text around it. Length is counted in
/// the characters a reader sees (grapheme clusters), each with at most a few combining marks.
/// </summary>
public static class DisplayNames
{
    public const string Field = "DisplayName";
    public const int MaxLength = 100;
    public const int MaxMarksPerCharacter = 3;

    /// <summary>The normalised name, or a message saying what is wrong with it.</summary>
    public static (string? Name, string? Error) Normalize(string? input)
    {
        var name = (input ?? "").Trim();
        if (name.Length == 0)
        {
            return (null, "Enter your name.");
        }
        if (!name.IsNormalized(NormalizationForm.FormC))
        {
            name = name.Normalize(NormalizationForm.FormC);
        }
        if (name.EnumerateRunes().Any(IsHidden))
        {
            return (null, "Use letters, digits, spaces and punctuation: no control, formatting or text-direction characters.");
        }
        var characters = 0;
        var elements = StringInfo.GetTextElementEnumerator(name);
        while (elements.MoveNext())
        {
            characters++;
            var marks = elements.GetTextElement().EnumerateRunes().Count(r => Rune.GetUnicodeCategory(r)
                is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark);
            if (marks > MaxMarksPerCharacter)
            {
                return (null, "Use at most three accents on one letter.");
            }
        }
        // Also within the column's length, whatever the characters are made of.
        return characters > MaxLength || name.Length > MaxLength ? (null, $"Use at most {MaxLength} characters.") : (name, null);
    }

    private static bool IsHidden(Rune rune) => Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
        or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.PrivateUse
        or UnicodeCategory.Surrogate or UnicodeCategory.OtherNotAssigned;
}
