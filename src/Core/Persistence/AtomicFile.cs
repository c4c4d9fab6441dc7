namespace ArML.Persistence;

/// <summary>Replaces a file all at once: readers see the old file or the complete new one, never a partial write.</summary>
internal static class AtomicFile
{
    internal const string TempMarker = ".tmp-";

    /// <summary>
    /// Lets <paramref name="write"/> fill a temporary file next to <paramref name="path"/>, forces it to disk, then
    /// renames it over <paramref name="path"/>. On failure the temporary file is deleted and <paramref name="path"/> is untouched.
    /// </summary>
    internal static void Write(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        // Same directory, so the final rename stays on one file system and is atomic.
        string temp = full + TempMarker + Guid.NewGuid().ToString("N");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* the original error matters more */ }
    }
}
