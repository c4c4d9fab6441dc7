using System.Reflection;
using System.Reflection.PortableExecutable;

namespace ArML.Bench;

/// <summary>Whether an assembly carries ahead-of-time (ReadyToRun) code, so a benchmark can say which code it timed.</summary>
internal static class ReadyToRun
{
    /// <summary>True when the assembly's file has a ReadyToRun header (crossgen2 writes it as the CLI header's managed native header).</summary>
    public static bool Compiled(Assembly assembly)
    {
        using var file = File.OpenRead(assembly.Location);
        using var pe = new PEReader(file);
        return pe.PEHeaders.CorHeader?.ManagedNativeHeaderDirectory.Size > 0;
    }
}
