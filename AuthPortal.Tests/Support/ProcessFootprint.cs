namespace AuthPortal.Tests.Support;

/// <summary>What Linux reports for a process now: resident memory (VmRSS), open file descriptors and threads.</summary>
public static class ProcessFootprint
{
    public static (double ResidentMegabytes, int OpenHandles, int Threads) Read(int processId)
    {
        var status = File.ReadAllLines($"/proc/{processId}/status");
        long Field(string name) =>
            long.Parse(status.First(l => l.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        return (Field("VmRSS") / 1024.0, Directory.GetFileSystemEntries($"/proc/{processId}/fd").Length, (int)Field("Threads"));
    }
}
