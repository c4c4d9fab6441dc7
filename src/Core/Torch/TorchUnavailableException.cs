namespace ArML.Torch;

/// <summary>libtorch's native libraries could not be loaded; the message says why and what to do.</summary>
public sealed class TorchUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TorchUnavailableException(string message, Exception? inner) : base(message, inner) { }

    internal static TorchUnavailableException From(Exception e)
    {
        string all = Flatten(e);
        string hint;
        if (all.Contains("GLIBCXX", StringComparison.Ordinal))
            hint = "The host's libstdc++ is older than the one TorchSharp was built against. ArML marks that requirement " +
                   "weak in the build and publish output of every project that references the ArML.Core package " +
                   "(its buildTransitive targets) or, inside ArML's repository, imports Directory.Build.targets; run " +
                   "the binaries from that output, not from a copy taken before the build finished or from the NuGet cache.";
        else if (all.Contains("libtorch", StringComparison.OrdinalIgnoreCase) && all.Contains("reference", StringComparison.OrdinalIgnoreCase))
            hint = "No libtorch backend package is referenced: ArML's libraries depend on the managed TorchSharp package " +
                   "only, so the application chooses the native backend. Add TorchSharp-cpu (every operating system), " +
                   "libtorch-cpu-linux-x64 (Linux only, smaller) or a CUDA build such as TorchSharp-cuda-linux.";
        else
            hint = "Make sure a libtorch backend package (TorchSharp-cpu, libtorch-cpu-linux-x64 or a CUDA build) is " +
                   "referenced by the application and its native files are in the output folder (runtimes/<rid>/native).";
        // The advice comes first: TorchSharp's own message can run to a long load trace.
        return new TorchUnavailableException("ArML could not load libtorch. " + hint + " Cause: " + all, e);
    }

    private static string Flatten(Exception e)
    {
        var parts = new List<string>();
        for (Exception? x = e; x != null; x = x.InnerException) parts.Add(x.Message);
        return string.Join(" -> ", parts);
    }
}
