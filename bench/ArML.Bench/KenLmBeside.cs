using System.Diagnostics;

namespace ArML.Bench;

/// <summary>
/// Times KenLM's own binaries beside ArML's timings, the way the peer script times them
/// (shared/peers/kenlm_shakespeare.py): lmplz's wall time with the script's arguments, writing its ARPA file, and
/// query's tokens/s as (wall on the repeated validation text − wall on an empty input). On this machine kind the speed
/// moves by tens of percent within minutes, so a peer figure from the start of a 3-minute table can be off for a row
/// timed at its end: lmplz runs just before and just after each row's process, and query between that process's own
/// timed passes.
/// </summary>
/// <remarks>
/// Both the peer and the empty-input baseline run through <c>bash -c 'exec …'</c>, which gives the binaries files as
/// their standard input and output as the script does; the shell's start is in both walls and cancels in query's
/// difference (for lmplz it adds about 2 ms, as GNU time's own fork adds to the script's figure).
/// </remarks>
internal sealed class KenLmBeside
{
    private readonly string _bin, _work;

    private KenLmBeside(string bin, string work)
    {
        _bin = bin;
        _work = work;
    }

    /// <summary>The peer built by run.sh under the peers' work folder, or null when its binaries or files are missing.</summary>
    public static KenLmBeside? Find()
    {
        string root = Path.Combine(NGramBenchmark.PeersWork(), "kenlm");
        var peer = new KenLmBeside(Path.Combine(root, "build", "bin"), Path.Combine(root, "work"));
        return File.Exists(Path.Combine(peer._bin, "query")) && File.Exists(Path.Combine(peer._bin, "lmplz")) ? peer : null;
    }

    /// <summary>lmplz's wall time for a row, with the script's arguments, writing (then deleting) its ARPA file; NaN when the text is gone.</summary>
    public double LmplzSeconds(string view, int order, string lmplzArguments)
    {
        string train = Path.Combine(_work, "data", $"train.{view}.txt");
        string arpa = Path.Combine(_work, "tmp", $"beside-{view}-o{order}.arpa");
        if (!File.Exists(train)) return double.NaN;
        double seconds = Wall($"{Quote(Path.Combine(_bin, "lmplz"))} {lmplzArguments} < {Quote(train)} > {Quote(arpa)}");
        File.Delete(arpa);
        return seconds;
    }

    /// <summary>
    /// query's tokens/s over the repeated validation text of a row (<paramref name="tokens"/> predicted tokens): one
    /// wall on that text less one on an empty input; NaN when the model or text is gone.
    /// </summary>
    public double QueryTokensPerSecond(string view, int order, long tokens)
    {
        string model = Path.Combine(_work, "models", $"{view}-o{order}.bin");
        string rep = Path.Combine(_work, "rep", $"valid.{view}.rep");
        if (!File.Exists(model) || !File.Exists(rep)) return double.NaN;
        string command = $"{Quote(Path.Combine(_bin, "query"))} -v summary {Quote(model)}";
        double load = Wall($"{command} < /dev/null > /dev/null");
        return tokens / (Wall($"{command} < {Quote(rep)} > /dev/null") - load);
    }

    private static double Wall(string shellCommand)
    {
        var info = new ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("exec " + shellCommand);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        double seconds = clock.Elapsed.TotalSeconds;
        if (process.ExitCode != 0) throw new InvalidOperationException($"KenLM failed (exit {process.ExitCode}): {shellCommand}\n{errors}");
        return seconds;
    }

    private static string Quote(string path) => "'" + path.Replace("'", "'\\''") + "'";
}
