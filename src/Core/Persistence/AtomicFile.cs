using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace ArML.Persistence;

/// <summary>
/// Replaces a file all at once: readers see the old file or the complete new one, never a partial write.
/// </summary>
/// <remarks>
/// <para>
/// Symbolic links are followed: when <c>path</c> is a link (or a chain of links), the file it finally points to is
/// replaced and the link is kept, as editors and <c>cp</c> do, so a model published through a link stays published.
/// The permissions of the file being replaced are kept (a 0600 model stays 0600, and its temporary copy has them from
/// its creation on). The owner is not kept: .NET has no API to read or change it, so the new file belongs to the
/// saving user, as any newly written file does.
/// </para>
/// <para>
/// The temporary file has a short name of its own (".&lt;hash of the target's name&gt;.&lt;pid&gt;.&lt;random&gt;.arml-tmp"),
/// so a target name of any length the file system accepts can be saved. A process killed during a save leaves that
/// file behind; the next save to the same target deletes such leftovers when their process is gone and they have not
/// been written for <see cref="StaleAfter"/> (an age alone suffices after <see cref="AbandonedAfter"/>, for a
/// process id reused by an unrelated process). Files of other names or for other targets are never touched.
/// </para>
/// </remarks>
internal static partial class AtomicFile
{
    internal const string TempSuffix = ".arml-tmp";

    /// <summary>Leftovers of a dead process idle for this long are deleted by the next save to the same target.</summary>
    internal static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(10);

    /// <summary>Leftovers idle for this long are deleted whatever their process id says.</summary>
    internal static readonly TimeSpan AbandonedAfter = TimeSpan.FromDays(1);

    /// <summary>
    /// Lets <paramref name="write"/> fill a temporary file next to the target of <paramref name="path"/>, forces it to
    /// disk, then renames it over the target. On failure the temporary file is deleted and the target is untouched.
    /// </summary>
    internal static void Write(string path, Action<Stream> write)
    {
        string target = FinalTarget(Path.GetFullPath(path));
        // Same directory, so the final rename stays on one file system and is atomic.
        string directory = Path.GetDirectoryName(target)!;
        string key = TargetKey(target);
        RemoveLeftovers(directory, key);
        string temp = Path.Combine(directory, $".{key}.{Environment.ProcessId}.{RandomNumberGenerator.GetHexString(8, lowercase: true)}{TempSuffix}");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 1 << 16 };
        if (!OperatingSystem.IsWindows() && File.Exists(target)) options.UnixCreateMode = File.GetUnixFileMode(target);
        try
        {
            using (var stream = new FileStream(temp, options))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
                // The process umask may have narrowed the create mode; the replaced file's mode is restored exactly,
                // through the open handle (a path could be swapped for a link before a chmod by name).
                if (options.UnixCreateMode is UnixFileMode mode && !OperatingSystem.IsWindows()) File.SetUnixFileMode(stream.SafeFileHandle, mode);
            }
            File.Move(temp, target, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>The file <paramref name="full"/> finally refers to after following symbolic links (itself when it is none).</summary>
    internal static string FinalTarget(string full)
    {
        var info = new FileInfo(full);
        if (info.LinkTarget is null) return full;
        var final = info.ResolveLinkTarget(returnFinalTarget: true);
        return final is null ? full : Path.GetFullPath(final.FullName);
    }

    // Eight hex digits of the target name's SHA-256: ties a temporary file to its target without spelling the name.
    private static string TargetKey(string target) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFileName(target))))[..8];

    private static void RemoveLeftovers(string directory, string key)
    {
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateFiles(directory, $".{key}.*{TempSuffix}").ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;   // the save itself will report an unusable directory
        }
        var now = DateTime.UtcNow;
        foreach (string file in candidates)
        {
            var match = TempName().Match(Path.GetFileName(file));
            if (!match.Success || match.Groups["key"].Value != key) continue;
            int pid = int.Parse(match.Groups["pid"].Value, CultureInfo.InvariantCulture);
            TimeSpan idle;
            try { idle = now - File.GetLastWriteTimeUtc(file); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            if (idle > AbandonedAfter || (idle > StaleAfter && pid != Environment.ProcessId && !IsRunning(pid))) TryDelete(file);
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^\.(?<key>[0-9a-f]{8})\.(?<pid>[0-9]{1,9})\.[0-9a-f]{8}\.arml-tmp$", RegexOptions.CultureInvariant)]
    private static partial Regex TempName();

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* the original error matters more */ }
    }
}
