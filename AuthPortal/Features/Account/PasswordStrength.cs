using AuthPortal.Data;
using AuthPortal.Infrastructure.Options;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Zxcvbn.Matcher;

namespace AuthPortal.Features.Account;

/// <summary>How guessable a password is (zxcvbn score 0–4) and why, in words for the UI.</summary>
public sealed record PasswordVerdict(int Score, bool IsAcceptable, IReadOnlyList<string> Problems)
{
    public string Label => Score switch { 0 => "Very weak", 1 => "Weak", 2 => "Fair", 3 => "Strong", _ => "Very strong" };
}

/// <summary>
/// The password policy (NIST SP 800-63B, OWASP ASVS 5 §6.2): a minimum length, a generous maximum that is
/// checked, never truncated, no composition rules, and a zxcvbn score of at least 3 with the user's own
/// email, user name and display name counted as dictionary words.
/// </summary>
public sealed class PasswordStrength(IOptions<PasswordPolicyOptions> options)
{
    public const int MinimumScore = 3;

    /// <summary>Long enough for any passphrase; longer input is refused, never cut.</summary>
    public const int MaxLength = 256;

    /// <summary>
    /// zxcvbn's cost grows steeply with length (a 256-character password took over a second of CPU), so it measures
    /// at most this much. What follows can only add strength, so a password is never judged stronger than it is.
    /// </summary>
    public const int MeasuredLength = 100;

    public PasswordVerdict Evaluate(string? password, IEnumerable<string?> personalWords)
    {
        password ??= "";
        var problems = new List<string>();
        var minLength = options.Value.MinLength;
        if (password.Length < minLength)
        {
            problems.Add($"Use at least {minLength} characters.");
        }
        if (password.Length > MaxLength)
        {
            problems.Add($"Use at most {MaxLength} characters.");
        }
        if (password.Length == 0 || password.Length > MaxLength)
        {
            return new PasswordVerdict(0, false, problems);
        }

        var words = PersonalWords(personalWords);
        var result = Zxcvbn.Zxcvbn.MatchPassword(password.Length > MeasuredLength ? password[..MeasuredLength] : password, words);
        var dictionaryMatches = result.MatchSequence.OfType<DictionaryMatch>().ToList();
        var lower = password.ToLowerInvariant();
        if (words.Any(w => w.Length >= 4 && lower.Contains(w, StringComparison.Ordinal))
            || dictionaryMatches.Any(m => m.DictionaryName == "user_inputs" && m.Token.Length >= 4))
        {
            problems.Add("Do not use your email address or name in your password.");
        }
        if (result.Score < MinimumScore && dictionaryMatches.Any(m => m.DictionaryName == "passwords"))
        {
            problems.Add("This is a commonly used password. Choose something others would not guess.");
        }
        if (result.Score < MinimumScore && problems.Count == 0)
        {
            problems.Add("This password is too easy to guess. A few unrelated words make a strong passphrase.");
        }
        return new PasswordVerdict(result.Score, problems.Count == 0, problems);
    }

    public PasswordVerdict Evaluate(string? password, AppUser user) =>
        Evaluate(password, [user.Email, user.UserName, user.DisplayName]);

    private static List<string> PersonalWords(IEnumerable<string?> values)
    {
        var words = new HashSet<string>(StringComparer.Ordinal);
        foreach (var value in values.Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!.ToLowerInvariant()))
        {
            words.Add(value);
            foreach (var part in value.Split(['@', '.', ' ', '-', '_', '+'], StringSplitOptions.RemoveEmptyEntries))
            {
                if (part.Length >= 3)
                {
                    words.Add(part);
                }
            }
        }
        return [.. words];
    }
}

/// <summary>Plugs <see cref="PasswordStrength"/> into Identity, so every way of setting a password obeys it.</summary>
internal sealed class StrengthPasswordValidator(PasswordStrength strength) : IPasswordValidator<AppUser>
{
    public Task<IdentityResult> ValidateAsync(UserManager<AppUser> manager, AppUser user, string? password)
    {
        var verdict = strength.Evaluate(password, user);
        return Task.FromResult(verdict.IsAcceptable
            ? IdentityResult.Success
            : IdentityResult.Failed(verdict.Problems.Select(p => new IdentityError { Code = "PasswordStrength", Description = p }).ToArray()));
    }
}
