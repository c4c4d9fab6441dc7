using Xunit;
using System.Security.Cryptography;
using System.Text;
using ArML.Persistence;
using Microsoft.ML;
using static ArML.Tests.Core.Persistence.PersistenceFixtures;

namespace ArML.Tests.Core.Persistence;

/// <summary>Saving keeps the replaced file's mode, writes through symbolic links, handles long names and cleans up after killed saves.</summary>
public sealed class AtomicFileTests : IDisposable
{
    private readonly MLContext _ml = new(seed: 1);
    private readonly string _dir = Directory.CreateTempSubdirectory("arml-atomic-file-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void SaveModel(string path)
    {
        var data = SampleData(_ml);
        _ml.Model.SaveArml(TextChain(_ml, data), data.Schema, path);
    }

    // Independent of AtomicFile's code: the documented leftover name for a target and process id.
    private static string Leftover(string targetName, long pid, string random = "0123abcd") =>
        $".{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(targetName)))[..8]}.{pid}.{random}.arml-tmp";

    [Fact]
    public void SavingOverAPrivateModelKeepsItPrivate()
    {
        if (OperatingSystem.IsWindows()) return;
        string path = Path.Combine(_dir, "secret.arml");
        File.WriteAllText(path, "old");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        SaveModel(path);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.NotNull(_ml.Model.LoadArml(path, out _));
    }

    [Fact]
    public void SavingToASymbolicLinkReplacesTheFileItPointsToAndKeepsTheLink()
    {
        string real = Path.Combine(_dir, "releases", "model-v1.arml");
        Directory.CreateDirectory(Path.GetDirectoryName(real)!);
        File.WriteAllText(real, "old");
        string link = Path.Combine(_dir, "current.arml");
        string hop = Path.Combine(_dir, "hop.arml");
        File.CreateSymbolicLink(hop, Path.Combine("releases", "model-v1.arml"));   // relative, as links usually are
        File.CreateSymbolicLink(link, hop);                                          // and a chain of two
        SaveModel(link);
        Assert.Equal(hop, new FileInfo(link).LinkTarget);
        Assert.NotNull(new FileInfo(hop).LinkTarget);
        Assert.NotEqual("old", File.ReadAllText(real));
        Assert.NotNull(_ml.Model.LoadArml(link, out _));
        Assert.Equal(["current.arml", "hop.arml", "releases"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName).Order());
        Assert.Equal([real], Directory.GetFileSystemEntries(Path.GetDirectoryName(real)!));
    }

    [Fact]
    public void ADanglingLinkGetsItsTargetCreated()
    {
        string real = Path.Combine(_dir, "new.arml");
        string link = Path.Combine(_dir, "link.arml");
        File.CreateSymbolicLink(link, real);
        SaveModel(link);
        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.NotNull(_ml.Model.LoadArml(real, out _));
    }

    [Fact]
    public void ATargetNameOf250CharactersCanBeSaved()
    {
        string path = Path.Combine(_dir, new string('m', 245) + ".arml");
        SaveModel(path);
        Assert.NotNull(_ml.Model.LoadArml(path, out _));
        Assert.Equal([path], Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void LeftoversOfKilledSavesToTheSameTargetAreRemovedSafely()
    {
        string path = Path.Combine(_dir, "model.arml");
        const long deadPid = 999_999_999;   // above any pid_max
        int livePid = Environment.ProcessId == 1 ? 2 : 1;
        var old = DateTime.UtcNow - TimeSpan.FromMinutes(30);
        string[] removed = [Leftover("model.arml", deadPid), Leftover("model.arml", deadPid, "ffff0000")];
        string[] kept =
        [
            Leftover("model.arml", deadPid, "aaaa1111"),    // recent: a slow save may still own it
            Leftover("model.arml", livePid, "bbbb2222"),    // its process is alive
            Leftover("other.arml", deadPid),               // another target's
            "model.arml.arml-tmp",                          // not ArML's naming
            ".0123abcd.1.zz.arml-tmp",
        ];
        foreach (string name in removed.Concat(kept)) File.WriteAllText(Path.Combine(_dir, name), "partial");
        foreach (string name in removed.Concat(kept.Skip(1))) File.SetLastWriteTimeUtc(Path.Combine(_dir, name), old);
        SaveModel(path);
        foreach (string name in removed) Assert.False(File.Exists(Path.Combine(_dir, name)), name);
        foreach (string name in kept) Assert.True(File.Exists(Path.Combine(_dir, name)), name);
        Assert.NotNull(_ml.Model.LoadArml(path, out _));
    }

    [Fact]
    public void LeftoversAbandonedForADayAreRemovedWhateverTheirProcessId()
    {
        string path = Path.Combine(_dir, "model.arml");
        string leftover = Path.Combine(_dir, Leftover("model.arml", Environment.ProcessId == 1 ? 2 : 1));
        File.WriteAllText(leftover, "partial");
        File.SetLastWriteTimeUtc(leftover, DateTime.UtcNow - AtomicFile.AbandonedAfter - TimeSpan.FromMinutes(1));
        SaveModel(path);
        Assert.False(File.Exists(leftover));
    }
}
