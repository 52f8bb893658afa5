namespace AuthPortal.Tests.Features.Setup;

public sealed class SetupTokenTests
{
    [Fact]
    public void OnlyTheIssuedTokenMatchesAndRevokingEndsIt()
    {
        var setup = new SetupToken();
        Assert.False(setup.Matches("anything"));

        var token = setup.Issue();

        Assert.True(token.Length >= 43, "256 bits, base64url");
        Assert.True(setup.Matches(token));
        Assert.False(setup.Matches(token[..^1]));
        Assert.False(setup.Matches(null));
        setup.Revoke();
        Assert.False(setup.Matches(token));
        Assert.False(setup.IsActive);
    }

    [Fact]
    public void EachIssueIsANewSecret()
    {
        var setup = new SetupToken();
        var first = setup.Issue();
        var second = setup.Issue();

        Assert.NotEqual(first, second);
        Assert.False(setup.Matches(first));
        Assert.True(setup.Matches(second));
    }
}
