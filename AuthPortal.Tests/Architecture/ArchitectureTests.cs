using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Components;

namespace AuthPortal.Tests.Architecture;

/// <summary>
/// The shape the code keeps (STYLE.md "One owner per concept"): no namespace cycles, so every slice has one
/// place in the order, and no mutable static state, which would hold only inside one process.
/// </summary>
public sealed partial class ArchitectureTests
{
    private static readonly Assembly App = typeof(Program).Assembly;

    private static string AppSourceRoot => Path.Combine(TestPaths.RepositoryRoot, "AuthPortal");

    [Fact]
    public void NamespacesHaveNoCycles()
    {
        var edges = NamespaceReferences();
        Assert.True(edges.Count > 10, "the scan found too few references to mean anything");

        var cycle = FindCycle(edges);

        Assert.True(cycle is null, cycle is null ? "" : "Namespace cycle: " + string.Join(" → ", cycle.Select((area, i) =>
            i + 1 < cycle.Count ? $"{area} ({edges[area][cycle[i + 1]]})" : area)));
    }

    [Fact]
    public void TheCycleCheckFindsACycle()
    {
        var edges = new Dictionary<string, Dictionary<string, string>>
        {
            ["A"] = new() { ["B"] = "a.cs: B" },
            ["B"] = new() { ["C"] = "b.cs: C" },
            ["C"] = new() { ["A"] = "c.cs: A" },
        };
        Assert.Equal(["A", "B", "C", "A"], FindCycle(edges));
        edges["C"].Clear();
        Assert.Null(FindCycle(edges));
    }

    [Fact]
    public void NoMutableStaticState()
    {
        var offenders = AppTypes()
            .SelectMany(type => type.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                .Where(field => !field.IsLiteral && !field.IsDefined(typeof(CompilerGeneratedAttribute)) && !field.Name.Contains('<'))
                .Where(field => !field.IsInitOnly || IsMutable(field.FieldType))
                .Select(field => $"{type.FullName}.{field.Name}"))
            .ToList();

        Assert.Empty(offenders);
    }

    private static IEnumerable<Type> AppTypes() =>
        App.GetTypes().Where(t => t.Namespace?.StartsWith("AuthPortal", StringComparison.Ordinal) == true
            && !t.Namespace.StartsWith("AuthPortal.Migrations", StringComparison.Ordinal)
            && !t.Name.Contains('<') && !t.IsDefined(typeof(CompilerGeneratedAttribute)));

    private static bool IsMutable(Type type) =>
        type.IsArray
        || type == typeof(SemaphoreSlim) || type == typeof(StringBuilder)
        || (type.IsGenericType && MutableCollections.Contains(type.GetGenericTypeDefinition()));

    private static readonly IReadOnlySet<Type> MutableCollections = new HashSet<Type>
    {
        typeof(List<>), typeof(Dictionary<,>), typeof(HashSet<>), typeof(Queue<>), typeof(Stack<>),
        typeof(ConcurrentDictionary<,>), typeof(ConcurrentBag<>), typeof(ConcurrentQueue<>),
    };

    /// <summary>Area → area it mentions → one example ("file: Type"), from the source of the web project.</summary>
    private static Dictionary<string, Dictionary<string, string>> NamespaceReferences()
    {
        // Every named type of the app, by simple name (components excluded: page names are common words).
        var areaOfType = AppTypes()
            .Where(t => !t.IsNested && !typeof(IComponent).IsAssignableFrom(t) && t != typeof(Program))
            .GroupBy(t => t.Name.Split('`')[0])
            .Where(g => g.Select(t => AreaOf(t.Namespace!)).Distinct().Count() == 1)
            .ToDictionary(g => g.Key, g => AreaOf(g.First().Namespace!));

        var edges = new Dictionary<string, Dictionary<string, string>>();
        foreach (var file in Directory.EnumerateFiles(AppSourceRoot, "*.*", SearchOption.AllDirectories)
            .Where(f => (f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".razor", StringComparison.Ordinal))
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}Migrations{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && Path.GetFileName(f) != "_Imports.razor"))
        {
            var text = File.ReadAllText(file);
            var from = AreaOf(NamespaceOf(file, text));
            var code = file.EndsWith(".cs", StringComparison.Ordinal) ? CSharpNoise().Replace(text, " ") : RazorComments().Replace(text, " ");
            foreach (Match word in Identifier().Matches(code))
            {
                if (areaOfType.TryGetValue(word.Value, out var to) && to != from)
                {
                    edges.TryAdd(from, []);
                    edges[from].TryAdd(to, $"{Path.GetRelativePath(AppSourceRoot, file)}: {word.Value}");
                }
            }
        }
        return edges;
    }

    private static string NamespaceOf(string file, string text)
    {
        if (NamespaceDeclaration().Match(text) is { Success: true } declared)
        {
            return declared.Groups[1].Value;
        }
        var folder = Path.GetDirectoryName(Path.GetRelativePath(AppSourceRoot, file)) ?? "";
        return folder.Length == 0 ? "AuthPortal" : "AuthPortal." + folder.Replace(Path.DirectorySeparatorChar, '.');
    }

    /// <summary>A slice or layer: AuthPortal.Features.X, AuthPortal.Infrastructure.X, AuthPortal.Components.X, AuthPortal.Data.</summary>
    private static string AreaOf(string ns)
    {
        var parts = ns.Split('.');
        return parts.Length >= 3 && parts[1] is "Features" or "Infrastructure" or "Components" ? string.Join('.', parts[..3]) : string.Join('.', parts.Take(2));
    }

    private static List<string>? FindCycle(Dictionary<string, Dictionary<string, string>> edges)
    {
        var state = new Dictionary<string, int>(); // 1 = on the current path, 2 = done
        var path = new List<string>();
        List<string>? Visit(string node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (var next in edges.GetValueOrDefault(node)?.Keys.Order() ?? Enumerable.Empty<string>())
            {
                if (state.GetValueOrDefault(next) == 1)
                {
                    return [.. path.SkipWhile(n => n != next), next];
                }
                if (state.GetValueOrDefault(next) == 0 && Visit(next) is { } found)
                {
                    return found;
                }
            }
            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }
        foreach (var node in edges.Keys.Order())
        {
            if (state.GetValueOrDefault(node) == 0 && Visit(node) is { } cycle)
            {
                return cycle;
            }
        }
        return null;
    }

    [GeneratedRegex(@"^\s*(?:@namespace|namespace)\s+([\w.]+)", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    // Comments and string literals (raw, verbatim, interpolated text and plain) say nothing about dependencies.
    [GeneratedRegex("""(//[^\n]*|/\*.*?\*/|"{3}.*?"{3}|@"(?:""|[^"])*"|"(?:\\.|[^"\\\n])*")""", RegexOptions.Singleline)]
    private static partial Regex CSharpNoise();

    [GeneratedRegex(@"(@\*.*?\*@|<!--.*?-->)", RegexOptions.Singleline)]
    private static partial Regex RazorComments();

    [GeneratedRegex(@"\b[A-Z][A-Za-z0-9]*\b")]
    private static partial Regex Identifier();
}
