namespace AuthPortal.Bench;

/// <summary>A run's temporary folder (its SQLite files and keys), deleted when the run ends.</summary>
internal sealed class RunFolder(string path) : IDisposable
{
    public void Dispose() => Delete(path);

    public static void Delete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS's temp cleanup.
        }
    }
}
