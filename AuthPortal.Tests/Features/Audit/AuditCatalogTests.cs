using System.Reflection;

namespace AuthPortal.Tests.Features.Audit;

/// <summary>The audit actions form one catalog, and each one in it is emitted somewhere in the app.</summary>
public sealed class AuditCatalogTests
{
    [Fact]
    public void EveryActionInTheCatalogIsEmittedSomewhere()
    {
        var source = Directory.EnumerateFiles(Path.Combine(TestPaths.RepositoryRoot, "AuthPortal"), "*.*", SearchOption.AllDirectories)
            .Where(path => path.EndsWith(".cs", StringComparison.Ordinal) || path.EndsWith(".razor", StringComparison.Ordinal))
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !path.EndsWith("AuditActions.cs", StringComparison.Ordinal))
            .Select(File.ReadAllText)
            .ToList();
        var actions = typeof(AuditActions).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).ToList();
        Assert.True(actions.Count > 40, "the catalog is missing");

        var neverEmitted = actions.Where(action => !source.Any(text => text.Contains($"AuditActions.{action.Name}", StringComparison.Ordinal))).Select(a => a.Name).ToList();

        Assert.True(neverEmitted.Count == 0, "Never emitted: " + string.Join(", ", neverEmitted));
        Assert.Equal(actions.Count, actions.Select(a => (string)a.GetValue(null)!).Distinct().Count());
    }
}
