namespace AuthPortal.Tests.Infrastructure.Security;

public sealed class LocalUrlTests
{
    [Theory]
    [InlineData("/", "/")]
    [InlineData("/admin/users?page=2", "/admin/users?page=2")]
    [InlineData(null, "/")]
    [InlineData("", "/")]
    [InlineData("//evil.example", "/")]
    [InlineData("/\\evil.example", "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("javascript:alert(1)", "/")]
    [InlineData("/ok\r\nSet-Cookie: x=1", "/")]
    [InlineData("admin/users", "/")]
    public void OnlyPathsOnThisSiteAreKept(string? input, string expected) =>
        Assert.Equal(expected, LocalUrl.OrHome(input));
}
