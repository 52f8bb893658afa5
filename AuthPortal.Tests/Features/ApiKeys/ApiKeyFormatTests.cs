using AuthPortal.Features.ApiKeys;

namespace AuthPortal.Tests.Features.ApiKeys;

public sealed class ApiKeyFormatTests
{
    [Fact]
    public void AKeyIsTheMarkerThirtyTwoRandomBytesAndAChecksumInBase62()
    {
        var key = ApiKeyFormat.New();

        Assert.StartsWith("apk_", key);
        Assert.Equal(4 + 43 + 6, key.Length);
        Assert.Matches("^apk_[0-9A-Za-z]{49}$", key);
        Assert.True(ApiKeyFormat.IsWellFormed(key));
        Assert.NotEqual(key, ApiKeyFormat.New());
        Assert.Equal(key[..10], ApiKeyFormat.Prefix(key));
    }

    [Fact]
    public void AMistypedOrMadeUpKeyIsRecognisedWithoutALookUp()
    {
        var key = ApiKeyFormat.New();
        var typo = key[..10] + (key[10] == 'a' ? 'b' : 'a') + key[11..];

        Assert.False(ApiKeyFormat.IsWellFormed(typo));
        Assert.False(ApiKeyFormat.IsWellFormed("apk_" + new string('a', 49)));
        Assert.False(ApiKeyFormat.IsWellFormed(key + "x"));
        Assert.False(ApiKeyFormat.IsWellFormed(key.Replace("apk_", "apx_")));
        Assert.False(ApiKeyFormat.IsWellFormed(null));
    }
}
