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
    [InlineData("/profile?q=é", "/profile?q=%C3%A9")]
    [InlineData("/search?q=日本", "/search?q=%E6%97%A5%E6%9C%AC")]
    public void OnlyPathsOnThisSiteAreKept(string? input, string expected) =>
        Assert.Equal(expected, LocalUrl.OrHome(input));
}
