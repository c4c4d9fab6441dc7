using System.Diagnostics;
using ArML.Onnx;
using ArML.Torch;
using ArML.Trainers;
using ArML.Trainers.Generation;
using ArML.Trainers.Gpt;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.OnnxRuntimeGenAI;
using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Bench;

/// <summary>
/// The same GPT (6 layers, 6 heads, 384 wide, random weights) served three ways, in one run at contexts 256 and 1024:
/// scoring tokens/s with ONNX Runtime (the exported scoring graph) vs ArML's TorchSharp scorer, and greedy decoding
/// tokens/s with ONNX Runtime GenAI (the exported decoder folder) vs ArML's key-value-cache decoder. CPU, float32.
/// </summary>
internal static class OnnxBenchmark
{
    private const int Vocabulary = 65;
    private const int Rows = 8;
    private const int NewTokens = 48;

    public static int Run(string[] args)
    {
        TorchRuntime.EnsureInitialized();
        string dir = Directory.CreateTempSubdirectory("arml-onnx-bench-").FullName;
        try
        {
            Console.WriteLine($"GPT 6L/6H/384, vocabulary {Vocabulary}, float32, CPU, {torch.get_num_threads()} TorchSharp threads.");
            Console.WriteLine($"Scoring: {Rows} rows of context − 1 tokens per call; decoding: {NewTokens} greedy tokens after a prompt of context − {NewTokens}.");
            Console.WriteLine();
            Console.WriteLine($"{"context",7} {"task",-9} {"ArML tok/s",11} {"ONNX tok/s",11} {"ONNX / ArML",12}");
            foreach (int context in new[] { 256, 1024 })
            {
                torch.manual_seed(1);
                var ids = new TokenIdLayout(Vocabulary, 0);
                var lm = new GptLanguageModel(new GptModel(new GptConfig(ids.Size, context, 6, 6, 384, 0, true)), ids, CPU);
                using var _ = lm;
                var (armlScore, onnxScore) = Scoring(lm, Path.Combine(dir, $"score{context}.onnx"));
                Console.WriteLine($"{context,7} {"scoring",-9} {armlScore,11:F0} {onnxScore,11:F0} {onnxScore / armlScore,11:F2}×");
                var (armlDecode, genaiDecode) = Decoding(lm, Path.Combine(dir, $"decoder{context}"));
                Console.WriteLine($"{context,7} {"decoding",-9} {armlDecode,11:F1} {genaiDecode,11:F1} {genaiDecode / armlDecode,11:F2}×");
            }
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    // Median tokens/s of three calls each, after one warm-up call.
    private static (double Arml, double Onnx) Scoring(GptLanguageModel lm, string path)
    {
        int context = lm.ContextLength;
        OnnxExport.Export(lm, path, new OnnxExportOptions());
        var random = new Random(1);
        var framed = Enumerable.Range(0, Rows).Select(_ =>
        {
            var row = new List<int>();
            lm.Vocabulary.Frame([], Enumerable.Range(0, context - 1).Select(_ => random.Next(Vocabulary)).ToArray(), row);
            return row.ToArray();
        }).ToList();
        int tokens = framed.Sum(f => f.Length - 1);
        var lengths = framed.Select(f => f.Length).ToList();
        var firsts = framed.Select(_ => 1).ToList();
        var ll = new double[Rows];
        var counts = new int[Rows];
        double arml = Throughput(tokens, () => lm.ScoreFramed(framed, lengths, firsts, context, ll, counts));

        using var session = new InferenceSession(path);
        var input = new DenseTensor<long>([Rows, context + 1]);
        var mask = new DenseTensor<long>([Rows, context + 1]);
        for (int r = 0; r < Rows; r++)
            for (int j = 0; j <= context; j++) (input[r, j], mask[r, j]) = (framed[r][j], 1);
        NamedOnnxValue[] inputs = [NamedOnnxValue.CreateFromTensor("input_ids", input), NamedOnnxValue.CreateFromTensor("attention_mask", mask)];
        double onnx = Throughput(tokens, () => { using var _ = session.Run(inputs, ["log_likelihood"]); });
        return (arml, onnx);
    }

    private static (double Arml, double GenAi) Decoding(GptLanguageModel lm, string folder)
    {
        int context = lm.ContextLength;
        OnnxExport.Export(lm, folder, new OnnxExportOptions { Kind = OnnxGraphKind.Decoder });
        var random = new Random(1);
        var prompt = new[] { lm.SeparatorId }.Concat(Enumerable.Range(1, context - NewTokens - 1).Select(_ => random.Next(Vocabulary))).ToArray();

        double arml = Throughput(NewTokens - 1, () =>
        {
            using var decoder = lm.CreateDecoder(StepDecoderMode.Cached);
            var logits = new float[lm.Vocabulary.Size];
            decoder.Prefill([prompt], logits);
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < NewTokens - 1; i++) decoder.Append([ArgMax(logits)], logits);
            return clock.Elapsed;
        });

        using var genai = new Microsoft.ML.OnnxRuntimeGenAI.Model(folder);
        double genAi = Throughput(NewTokens - 1, () =>
        {
            using var parameters = new GeneratorParams(genai);
            // The end of the row is never chosen before max_length (min_length), so every run decodes NewTokens.
            parameters.SetSearchOption("max_length", context);
            parameters.SetSearchOption("min_length", context);
            using var generator = new Microsoft.ML.OnnxRuntimeGenAI.Generator(genai, parameters);
            generator.AppendTokens(prompt);
            generator.GenerateNextToken();   // the first token reads the prompt's logits; not a decoding step
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < NewTokens - 1 && !generator.IsDone(); i++) generator.GenerateNextToken();
            return clock.Elapsed;
        });
        return (arml, genAi);
    }

    private static double Throughput(int tokens, Action run) => Throughput(tokens, () =>
    {
        var clock = Stopwatch.StartNew();
        run();
        return clock.Elapsed;
    });

    private static double Throughput(int tokens, Func<TimeSpan> run)
    {
        run();
        var seconds = Enumerable.Range(0, 3).Select(_ => run().TotalSeconds).ToList();
        return tokens / Measurements.Median(seconds);
    }

    private static int ArgMax(float[] logits)
    {
        int best = 0;
        for (int i = 1; i < Vocabulary; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }
}
