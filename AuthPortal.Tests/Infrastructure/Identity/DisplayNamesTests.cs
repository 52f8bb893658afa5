using AuthPortal.Infrastructure.Identity;

namespace AuthPortal.Tests.Infrastructure.Identity;

public sealed class DisplayNamesTests
{
    [Theory]
    [InlineData("Ada\0Lovelace")]                 // NUL
    [InlineData("Ada \u001b[31mLovelace")]        // ANSI escape
    [InlineData("Ada \u202Eecalevol")]            // right-to-left override
    [InlineData("Ada\u200BLovelace")]             // zero-width space
    [InlineData("Ada\u200DLovelace")]             // zero-width joiner
    [InlineData("Ada\u2028Lovelace")]             // line separator
    [InlineData("   ")]
    public void HiddenOrEmptyNamesAreRefused(string name) => Assert.NotNull(DisplayNames.Normalize(name).Error);

    [Fact]
    public void ALetterWithDozensOfCombiningMarksIsRefused() =>
        Assert.NotNull(DisplayNames.Normalize("Z" + new string('\u0301', 99)).Error);

    [Fact]
    public void NamesAreNormalisedToNfcAndTrimmed()
    {
        var (name, error) = DisplayNames.Normalize("  Zoe\u0308 Ng ");

        Assert.Null(error);
        Assert.Equal("Zoë Ng", name);
        Assert.Equal(6, name!.Length);
    }

    [Theory]
    [InlineData("José Müller-Łukasiewicz")]
    [InlineData("李小龍")]
    [InlineData("O'Brien, Jr.")]
    [InlineData("Ada 🚀")]
    public void RealNamesAreAccepted(string name) => Assert.Equal(name, DisplayNames.Normalize(name).Name);

    [Fact]
    public void LengthIsCountedInCharactersAReaderSees()
    {
        Assert.Null(DisplayNames.Normalize(new string('é', DisplayNames.MaxLength)).Error);
        Assert.NotNull(DisplayNames.Normalize(new string('é', DisplayNames.MaxLength + 1)).Error);
    }
}
