using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace AuthPortal.Tests.Reliability;

/// <summary>
/// Writes <c>docs/reliability.md</c>: one row per reliability case, rewritten by the test that proves it each time it passes
/// (a failing test records nothing, so the page never claims a result the suite did not reach). Rows of cases that did not
/// run this time keep their own date. The header says when the page was last written, at which commit, on how many cores.
/// </summary>
public static class ReliabilityReport
{
    private const string TableHeader = "| category | case | ran | expected | happened | measured |";
    private static readonly Lock Writing = new();

    public static string FilePath => Path.Combine(TestPaths.RepositoryRoot, "docs", "reliability.md");

    public static void Record(string category, string caseName, string ran, string expected, string happened)
    {
        var cells = new[] { category, caseName, ran, expected, happened, DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) }
            .Select(c => c.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" "));
        var row = "| " + string.Join(" | ", cells) + " |";
        lock (Writing)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
            // The soak runs in its own test process beside the others: the file is read and rewritten under an exclusive
            // open, so two processes recording at once each keep the other's row.
            using var file = OpenExclusively();
            var rows = ReadRows(new StreamReader(file, leaveOpen: true).ReadToEnd());
            rows[(category, caseName)] = row;
            file.SetLength(0);
            using var writer = new StreamWriter(file);
            writer.Write(Render(rows, TestDatabase.Name));
        }
    }

    private static FileStream OpenExclusively()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                return new FileStream(FilePath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50); // the other process holds it for the few milliseconds a rewrite takes
            }
        }
    }

    private static SortedDictionary<(string Category, string Case), string> ReadRows(string text)
    {
        var rows = new SortedDictionary<(string, string), string>();
        foreach (var line in text.ReplaceLineEndings("\n").Split('\n').SkipWhile(l => l != TableHeader).Skip(2).TakeWhile(l => l.StartsWith("| ", StringComparison.Ordinal)))
        {
            var cells = line.Split(" | ");
            rows[(cells[0].TrimStart('|', ' '), cells[1])] = line;
        }
        return rows;
    }

    private static string Render(SortedDictionary<(string Category, string Case), string> rows, string database)
    {
        var page = new StringBuilder();
        page.AppendLine("# Reliability");
        page.AppendLine();
        page.AppendLine("Written by the test suite (`./test.sh`; the tests in `AuthPortal.Tests/Reliability` and the limits, backup and");
        page.AppendLine("concurrency tests beside them). A row is rewritten each time its test passes; a failing test writes nothing.");
        page.AppendLine();
        page.AppendLine(CultureInfo.InvariantCulture,
            $"Last written {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC · commit {Commit()} · {Environment.ProcessorCount} cores · the last pass ran on {database}.");
        page.AppendLine();
        page.AppendLine(TableHeader);
        page.AppendLine("|---|---|---|---|---|---|");
        foreach (var row in rows.Values)
        {
            page.AppendLine(row);
        }
        return page.ToString();
    }

    private static string Commit()
    {
        try
        {
            var git = Process.Start(new ProcessStartInfo("git", "rev-parse --short HEAD")
            {
                WorkingDirectory = TestPaths.RepositoryRoot, RedirectStandardOutput = true, RedirectStandardError = true,
            })!;
            var commit = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit(5_000);
            return git.ExitCode == 0 && commit.Length > 0 ? commit : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown (git not found)";
        }
    }
}
