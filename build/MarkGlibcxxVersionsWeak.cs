// Compiled by MSBuild's RoslynCodeTaskFactory (see PatchLibTorchSharp.targets).
// Marks selected GLIBCXX version requirements of an ELF64 shared library weak (VER_FLG_WEAK) so that
// the dynamic loader accepts a host libstdc++ that lacks them. Only versions in MarkableVersions are
// touched: TorchSharp needs them for a marker symbol it never calls.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class MarkGlibcxxVersionsWeak : Task
{
    private const ushort VerFlagWeak = 0x2;
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private static readonly string[] MarkableVersions = { "GLIBCXX_3.4.31", "GLIBCXX_3.4.32", "GLIBCXX_3.4.33" };
    private static readonly string[] LibStdCxxCandidates =
    {
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib/aarch64-linux-gnu/libstdc++.so.6", "/lib/aarch64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6", "/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
    };

    [Required]
    public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>
    /// Marks the versions weak whatever the build host's libstdc++ has: for outputs that travel to other machines
    /// without another MSBuild step there (the arml tool package), which must also load on older systems.
    /// </summary>
    public bool Force { get; set; }

    public override bool Execute()
    {
        if (Force) return PatchAll(new HashSet<string>(MarkableVersions));
        string hostLib = null;
        foreach (var candidate in LibStdCxxCandidates)
            if (File.Exists(candidate)) { hostLib = candidate; break; }
        if (hostLib == null)
        {
            Log.LogMessage(MessageImportance.Low, "ArML: no host libstdc++.so.6 found; libLibTorchSharp.so left unchanged.");
            return true;
        }
        byte[] host = File.ReadAllBytes(hostLib);
        var missing = new HashSet<string>();
        foreach (var version in MarkableVersions)
            if (IndexOf(host, Encoding.ASCII.GetBytes(version + "\0")) < 0) missing.Add(version);
        if (missing.Count == 0) return true;
        return PatchAll(missing);
    }

    private bool PatchAll(HashSet<string> missing)
    {
        foreach (var item in Files)
        {
            string path = item.GetMetadata("FullPath");
            try
            {
                int changed = Patch(path, missing);
                if (changed > 0)
                    Log.LogMessage(MessageImportance.High, "ArML: marked " + changed + " GLIBCXX requirement(s) weak in " + path);
            }
            catch (Exception e)
            {
                Log.LogWarning("ArML: could not patch " + path + ": " + e.Message);
            }
        }
        return !Log.HasLoggedErrors;
    }

    private static int Patch(string path, HashSet<string> versions)
    {
        byte[] elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1) throw new InvalidDataException("not a little-endian ELF64 file");

        long shoff = (long)BitConverter.ToUInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        int changed = 0;
        for (int s = 0; s < shnum; s++)
        {
            long sh = shoff + (long)s * shentsize;
            if (BitConverter.ToUInt32(elf, (int)sh + 4) != ShtGnuVerneed) continue;
            long offset = (long)BitConverter.ToUInt64(elf, (int)sh + 24);
            int link = (int)BitConverter.ToUInt32(elf, (int)sh + 40);
            int count = (int)BitConverter.ToUInt32(elf, (int)sh + 44);
            long strtab = (long)BitConverter.ToUInt64(elf, (int)(shoff + (long)link * shentsize) + 24);

            long need = offset;
            for (int n = 0; n < count; n++)
            {
                int auxCount = BitConverter.ToUInt16(elf, (int)need + 2);
                long aux = need + BitConverter.ToUInt32(elf, (int)need + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    int flagsAt = (int)aux + 4;
                    string name = ReadCString(elf, strtab + BitConverter.ToUInt32(elf, (int)aux + 8));
                    ushort flags = BitConverter.ToUInt16(elf, flagsAt);
                    if (versions.Contains(name) && (flags & VerFlagWeak) == 0)
                    {
                        flags |= VerFlagWeak;
                        elf[flagsAt] = (byte)(flags & 0xff);
                        elf[flagsAt + 1] = (byte)(flags >> 8);
                        changed++;
                    }
                    aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                }
                need += BitConverter.ToUInt32(elf, (int)need + 12);
            }
        }
        if (changed == 0) return 0;

        // Write a sibling temp file and rename it over the output copy: a reader never sees half a library,
        // and the hard-linked or cached original (if any) is never modified in place.
        string temp = path + ".arml-tmp";
        File.WriteAllBytes(temp, elf);
        File.Replace(temp, path, null);
        return changed;
    }

    private static string ReadCString(byte[] data, long at)
    {
        int end = (int)at;
        while (end < data.Length && data[end] != 0) end++;
        return Encoding.ASCII.GetString(data, (int)at, end - (int)at);
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return i;
        }
        return -1;
    }
}
