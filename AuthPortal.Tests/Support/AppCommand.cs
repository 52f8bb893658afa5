using System.Diagnostics;

namespace AuthPortal.Tests.Support;

/// <summary>Runs the built AuthPortal.dll as a separate process with a command, the way an operator does.</summary>
public static class AppCommand
{
    public static string AppDirectory => Path.GetDirectoryName(typeof(Program).Assembly.Location)!;

    public static async Task<(int ExitCode, string Output)> RunAsync(string arguments, IDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet", $"AuthPortal.dll {arguments}")
        {
            WorkingDirectory = AppDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Urls"] = "http://127.0.0.1:0";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{arguments}' did not exit: {await stdout}{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
