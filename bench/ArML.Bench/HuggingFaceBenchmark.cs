using System.Diagnostics;
using System.Text.Json;
using ArML.Bench.Tokenizers;
using ArML.Persistence;
using ArML.Torch;
using ArML.Trainers;
using ArML.Trainers.Gpt;
using Microsoft.ML;
using static TorchSharp.torch;

namespace ArML.Bench;

/// <summary>
/// `bench -- hf`: writes a GPT-2-shaped checkpoint of random weights (124M parameters: 12 layers, 768 wide, 50,257
/// ids, 1,024 positions) in Hugging Face's layout, then measures LoadHuggingFace's time and the growth of the peak
/// resident set it causes against the weights' bytes (in a child process that loads nothing else), and scoring tokens/s at context 1,024 through ArML against a
/// bare TorchSharp forward (logits, log-softmax, gather) of the same weights in the same process.
/// </summary>
internal static class HuggingFaceBenchmark
{
    private const long WeightBytes = 497_759_232;   // 124,439,808 float32 parameters (GPT-2 small)

    public static int Run(string[] args)
    {
        string directory = Path.Combine(Path.GetTempPath(), "arml-bench-gpt2-124m");
        if (args.Contains("--load-only")) return MeasureLoad(directory);
        if (!args.Contains("--reuse")) Write(directory);   // --reuse: the checkpoint a previous run wrote
        // The load is measured in a fresh process: memory that writing the checkpoint freed stays in this one, and
        // reusing it would flatter the load's peak.
        var child = new ProcessStartInfo(Environment.ProcessPath!);
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet") child.ArgumentList.Add(typeof(HuggingFaceBenchmark).Assembly.Location);
        foreach (string arg in new[] { "hf", "--load-only" }) child.ArgumentList.Add(arg);
        using (var process = Process.Start(child)!)
        {
            process.WaitForExit();
            if (process.ExitCode != 0) return process.ExitCode;
        }
        using var chain = new MLContext(seed: 1).LanguageModeling().LoadHuggingFace(directory);
        var lm = (GptLanguageModel)((LanguageModelTransformer)chain.LastTransformer).Model;
        int context = lm.ContextLength, rows = 2, rounds = 3;
        var random = new Random(1);
        var framed = Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, context + 1).Select(_ => random.Next(50000)).ToArray()).ToArray();
        var ll = new double[rows];
        var counts = new int[rows];
        double arml = Measure(rounds, () => lm.ScoreFramed(framed, framed.Select(f => f.Length).ToArray(), new int[rows], context, ll, counts));
        double bare = Measure(rounds, () =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var x = tensor(framed.SelectMany(f => f[..context].Select(i => (long)i)).ToArray(), [rows, context]);
            var y = tensor(framed.SelectMany(f => f[1..].Select(i => (long)i)).ToArray(), [rows, context]);
            var logp = nn.functional.log_softmax(lm.Model.call(x), -1).gather(-1, y.unsqueeze(-1));
            _ = logp.sum().item<float>();
        });
        double tokens = (double)rows * context;
        Console.WriteLine($"hf: scoring at context {context}: ArML {tokens / arml:F0} tokens/s, bare TorchSharp forward {tokens / bare:F0} tokens/s " +
            $"(ArML/bare {bare / arml:F2}); {rows} rows x {context} tokens, best of {rounds}");
        return 0;
    }

    private static int MeasureLoad(string directory)
    {
        TorchRuntime.EnsureInitialized();
        var tokenizerWatch = Stopwatch.StartNew();
        _ = ArML.Transforms.Text.BpeVocabulary.FromFiles(Path.Combine(directory, "vocab.json"), Path.Combine(directory, "merges.txt"));
        Console.WriteLine($"hf: tokenizer alone {tokenizerWatch.Elapsed.TotalSeconds:F2} s");
        GC.Collect();
        GC.WaitForPendingFinalizers();
        ResetPeak();
        double before = BpeTrainingRun.PeakRssMegabytes();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        using (new MLContext(seed: 1).LanguageModeling().LoadHuggingFace(directory))
        {
            double load = watch.Elapsed.TotalSeconds;
            double loadCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;   // all threads; less disturbed by other processes than wall time
            double peak = BpeTrainingRun.PeakRssMegabytes();
            Console.WriteLine($"hf: load {load:F2} s (target <= 2 s), {loadCpu:F2} s of CPU; peak RSS +{peak - before:F0} MB for {WeightBytes / 1e6:F0} MB of weights " +
                $"= {(peak - before) * 1048576 / WeightBytes:F2}x (target <= 1.3x), in a process that loads nothing else; {HugePagesMegabytes():F0} MB in huge pages");
        }
        // Built after the load is measured: memory it frees stays in the process and would flatter the load's peak.
        tokenizerWatch.Restart();
        new GptModel(new GptConfig(50257, 1024, 12, 12, 768, 0, true)).Dispose();
        Console.WriteLine($"hf: building a randomly initialised network of the same shape {tokenizerWatch.Elapsed.TotalSeconds:F2} s (for comparison)");
        return 0;
    }

    // The process's anonymous memory backed by transparent huge pages.
    private static double HugePagesMegabytes()
    {
        if (!File.Exists("/proc/self/smaps_rollup")) return 0;
        string? line = File.ReadLines("/proc/self/smaps_rollup").FirstOrDefault(l => l.StartsWith("AnonHugePages:", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024;
    }

    private static double Measure(int rounds, Action action)
    {
        action();   // warm-up
        double best = double.MaxValue;
        for (int i = 0; i < rounds; i++)
        {
            var watch = Stopwatch.StartNew();
            action();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }
        return best;
    }

    // The kernel's peak resident set (VmHWM) restarts from the current one when 5 is written to clear_refs.
    private static void ResetPeak()
    {
        try { File.WriteAllText("/proc/self/clear_refs", "5"); }
        catch (IOException) { Console.WriteLine("hf: cannot reset the peak RSS; the figure includes writing the checkpoint."); }
        catch (UnauthorizedAccessException) { Console.WriteLine("hf: cannot reset the peak RSS; the figure includes writing the checkpoint."); }
    }

    private static void Write(string directory)
    {
        const int vocabulary = 50257, positions = 1024, width = 768, layers = 12, endOfText = 50256;
        Directory.CreateDirectory(directory);
        TorchRuntime.EnsureInitialized();
        var shapes = new List<(string, long[])> { ("wte.weight", [vocabulary, width]), ("wpe.weight", [positions, width]) };
        for (int i = 0; i < layers; i++)
            foreach (var (name, shape) in new (string, long[])[]
            {
                ("ln_1.weight", [width]), ("ln_1.bias", [width]), ("attn.c_attn.weight", [width, 3 * width]), ("attn.c_attn.bias", [3 * width]),
                ("attn.c_proj.weight", [width, width]), ("attn.c_proj.bias", [width]), ("ln_2.weight", [width]), ("ln_2.bias", [width]),
                ("mlp.c_fc.weight", [width, 4 * width]), ("mlp.c_fc.bias", [4 * width]), ("mlp.c_proj.weight", [4 * width, width]), ("mlp.c_proj.bias", [width]),
            })
                shapes.Add(($"h.{i}.{name}", shape));
        shapes.AddRange([("ln_f.weight", [width]), ("ln_f.bias", [width])]);
        var generator = new Generator(1);
        var tensors = shapes.Select(s =>
        {
            using var values = s.Item1.Contains("ln_") && s.Item1.EndsWith("weight") ? ones(s.Item2) : randn(s.Item2, generator: generator).mul_(0.02);
            return KeyValuePair.Create("transformer." + s.Item1, values.ToTensorData());
        }).ToList();
        using (var file = File.Create(Path.Combine(directory, "model.safetensors"))) SafeTensorsFormat.Write(file, tensors);
        File.WriteAllText(Path.Combine(directory, "config.json"), JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["model_type"] = "gpt2", ["vocab_size"] = vocabulary, ["n_positions"] = positions, ["n_embd"] = width, ["n_layer"] = layers,
            ["n_head"] = 12, ["activation_function"] = "gelu_new", ["eos_token_id"] = endOfText, ["bos_token_id"] = endOfText,
        }));
        // A byte-level vocabulary of GPT-2's size: the 256 byte tokens, placeholders, and <|endoftext|> last.
        var vocab = new Dictionary<string, int>();
        var alphabet = GptByteAlphabet();
        for (int b = 0; b < 256; b++) vocab[alphabet[b].ToString()] = b;
        for (int id = 256; id < endOfText; id++) vocab[$"<|placeholder{id}|>"] = id;
        vocab["<|endoftext|>"] = endOfText;
        File.WriteAllText(Path.Combine(directory, "vocab.json"), JsonSerializer.Serialize(vocab));
        File.WriteAllText(Path.Combine(directory, "merges.txt"), "#version: 0.2\n");
        if (tensors.Sum(t => t.Value.Data.LongLength) != WeightBytes) throw new InvalidOperationException("The checkpoint's size changed; update WeightBytes.");
    }

    // GPT-2's printable stand-ins for the 256 bytes.
    private static char[] GptByteAlphabet()
    {
        var printable = Enumerable.Range('!', '~' - '!' + 1).Concat(Enumerable.Range('¡', '¬' - '¡' + 1)).Concat(Enumerable.Range('®', 'ÿ' - '®' + 1)).ToHashSet();
        var result = new char[256];
        int next = 0;
        for (int b = 0; b < 256; b++) result[b] = printable.Contains(b) ? (char)b : (char)(256 + next++);
        return result;
    }
}
