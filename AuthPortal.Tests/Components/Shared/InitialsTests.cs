using AuthPortal.Components.Shared;

namespace AuthPortal.Tests.Components.Shared;

public sealed class InitialsTests
{
    [Theory]
    [InlineData("Ada Lovelace", "AL")]
    [InlineData("grace.hopper@example.com", "GH")]
    [InlineData("linus", "L")]
    [InlineData("  ", "?")]
    [InlineData(null, "?")]
    [InlineData("Jean-Luc Picard Third", "JL")]
    public void InitialsComeFromTheFirstTwoWords(string? name, string expected) => Assert.Equal(expected, Initials.From(name));
}
