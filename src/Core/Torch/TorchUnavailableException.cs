namespace ArML.Torch;

/// <summary>libtorch's native libraries could not be loaded; the message says why and what to do.</summary>
public sealed class TorchUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TorchUnavailableException(string message, Exception? inner) : base(message, inner) { }

    internal static TorchUnavailableException From(Exception e)
    {
        string all = Flatten(e);
        string hint = all.Contains("GLIBCXX", StringComparison.Ordinal)
            ? "The host's libstdc++ is older than the one TorchSharp was built against. ArML's build marks that " +
              "requirement weak in the build output (build/PatchLibTorchSharp.targets); make sure you run the binaries " +
              "from the build or publish output of a project that imports ArML's Directory.Build.targets, not a copy " +
              "taken before the build finished."
            : "Make sure the libtorch backend package (TorchSharp-cpu by default, property TorchBackendPackage) was " +
              "restored and its native files are in the output folder (runtimes/<rid>/native).";
        return new TorchUnavailableException("ArML could not load libtorch: " + all + " " + hint, e);
    }

    private static string Flatten(Exception e)
    {
        var parts = new List<string>();
        for (Exception? x = e; x != null; x = x.InnerException) parts.Add(x.Message);
        return string.Join(" -> ", parts);
    }
}
