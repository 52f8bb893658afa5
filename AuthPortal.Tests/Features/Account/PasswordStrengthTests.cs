using Microsoft.Extensions.Options;

namespace AuthPortal.Tests.Features.Account;

public sealed class PasswordStrengthTests
{
    private static readonly PasswordStrength Policy = new(Options.Create(new PasswordPolicyOptions { MinLength = 10 }));

    [Fact]
    public void TooShortIsRefusedWithTheLength()
    {
        var verdict = Policy.Evaluate("Zq8!vR2", []);

        Assert.False(verdict.IsAcceptable);
        Assert.Contains("Use at least 10 characters.", verdict.Problems);
    }

    [Theory]
    [InlineData("password1234")]
    [InlineData("qwertyuiop123")]
    [InlineData("iloveyou2024")]
    public void CommonPasswordsAreRefused(string password)
    {
        var verdict = Policy.Evaluate(password, []);

        Assert.False(verdict.IsAcceptable);
        Assert.Contains(verdict.Problems, p => p.Contains("commonly used", StringComparison.Ordinal) || p.Contains("too easy", StringComparison.Ordinal));
    }

    [Fact]
    public void PasswordsBuiltFromTheEmailOrNameAreRefused()
    {
        var verdict = Policy.Evaluate("Hamilton-Apollo-11", ["margaret.hamilton@example.com", "Margaret Hamilton"]);

        Assert.False(verdict.IsAcceptable);
        Assert.Contains("Do not use your email address or name in your password.", verdict.Problems);
    }

    [Fact]
    public void NoCompositionRulesAPassphraseOfWordsIsFine()
    {
        var verdict = Policy.Evaluate("correct horse battery staple", ["ada@example.com"]);

        Assert.True(verdict.IsAcceptable, string.Join(" ", verdict.Problems));
        Assert.True(verdict.Score >= PasswordStrength.MinimumScore);
    }

    [Fact]
    public void SixtyFourCharactersAndMoreAreAcceptedUpToTheMaximum()
    {
        var long64 = string.Concat(Enumerable.Repeat("tangerine-orbit-", 4));
        var long256 = string.Concat(Enumerable.Repeat("violet-harbor-quartz-", 13))[..256];

        Assert.Equal(64, long64.Length);
        Assert.True(Policy.Evaluate(long64, []).IsAcceptable);
        Assert.True(Policy.Evaluate(long256, []).IsAcceptable);
        Assert.Contains("Use at most 256 characters.", Policy.Evaluate(long256 + "x", []).Problems);
    }

    [Fact]
    public void OnlyTheFirstHundredCharactersAreMeasuredSoALongPasswordCostsNoMoreThanAShortOne()
    {
        // Strong as a whole (zxcvbn says so), but its first 100 characters are one repeated letter: judged by those.
        var password = new string('a', PasswordStrength.MeasuredLength) + "violet harbor quartz lantern";
        Assert.True(Zxcvbn.Zxcvbn.MatchPassword(password).Score >= PasswordStrength.MinimumScore);

        Assert.False(Policy.Evaluate(password, []).IsAcceptable);
        // A strong start stays acceptable whatever follows, up to the maximum length.
        Assert.True(Policy.Evaluate("violet harbor quartz lantern " + new string('a', PasswordStrength.MaxLength - 29), []).IsAcceptable);
    }
}
