namespace AuthPortal.Tests.Features.Tokens;

public sealed class TokenScopeTests
{
    private static readonly IReadOnlySet<string> Held = new HashSet<string> { Permissions.UsersRead, Permissions.AuditRead };

    [Fact]
    public void ParsingSortsDropsRepeatsAndExtraSpaces()
    {
        var scope = TokenScope.Parse("  users.read   audit.read users.read ");

        Assert.Equal([Permissions.AuditRead, Permissions.UsersRead], scope.Names);
        Assert.Equal("audit.read users.read", scope.ToString());
        Assert.Equal(scope.ToString(), TokenScope.Parse(scope.ToString()).ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void NoScopeIsEmpty(string? value) => Assert.True(TokenScope.Parse(value).IsEmpty);

    [Fact]
    public void NamesThatAreNotPermissionsAreUnknown() =>
        Assert.Equal(["admin", "users.*"], TokenScope.Parse("users.read admin users.*").Unknown);

    [Fact]
    public void AGrantWithoutARequestedScopeGetsEverythingTheUserHoldsAndEveryOrganizationPermission() =>
        Assert.Equal("audit.read " + string.Join(' ', Permissions.Organization.Select(p => p.Name).Order(StringComparer.Ordinal)) + " users.read",
            TokenScope.Parse(null).Grant(Held).ToString());

    [Fact]
    public void OrganizationPermissionsPassAsAskedAndNarrowWhatARoleGrants()
    {
        Assert.Equal("org.read", TokenScope.Parse("org.read users.write").Grant(Held).ToString());
        Assert.Equal(["org.read"], TokenScope.EffectiveInOrganization("org.read users.read", ["org.read", "org.members.manage"]));
        Assert.Equal(["org.members.manage", "org.read"], TokenScope.EffectiveInOrganization(null, ["org.read", "org.members.manage"]).Order());
    }

    [Fact]
    public void AGrantNarrowsToWhatTheUserHoldsAndNeverWidens() =>
        Assert.Equal("users.read", TokenScope.Parse("users.read users.write").Grant(Held).ToString());

    [Fact]
    public void ACookieIsNotNarrowedButAnEmptyTokenScopeAllowsNothing()
    {
        Assert.Equal(Held, Permissions.WithinScope(scopeClaim: null, Held));
        Assert.Empty(Permissions.WithinScope(scopeClaim: "", Held));
    }

    [Fact]
    public void ATokensPermissionsAreItsScopeIntersectedWithWhatTheUserHoldsNow()
    {
        // The token was granted users.write when the user held it; they no longer do.
        var effective = Permissions.WithinScope("users.read users.write", Held);

        Assert.Equal([Permissions.UsersRead], effective);
    }
}
