using System.Diagnostics;
using System.Globalization;
using ArML.Bench.Audio;
using ArML.Torch;
using ArML.Trainers;
using ArML.Trainers.Generation;
using ArML.Trainers.WaveNet;
using ArML.Transforms.Audio;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Bench;

/// <summary>
/// WaveNet: (1) generation speed, the fast-WaveNet queues against recomputing the receptive field at every sample,
/// measured in the same run on random weights, receptive fields printed; (2) speech synthesized by espeak-ng, μ-law
/// 8 kHz: a WaveNet trained briefly, its bits per sample on held-out sentences against a linear-prediction baseline
/// and an unconditional histogram fit in the same run, and a WAV of audio it generates.
/// </summary>
internal static class WaveNetBenchmark
{
    private const int Levels = 256, RowLength = 4000, LpcOrder = 16;

    // Sentences written for this benchmark; the test sentences are not in the training text.
    private const string TrainText =
        "The river runs past the old mill and under the stone bridge before it reaches the sea. " +
        "Every morning the baker opens the shop at six and sells warm bread to the people on their way to work. " +
        "A small boat waited at the harbour while the fishermen mended their nets in the afternoon sun. " +
        "Numbers like seven, twelve and forty three were painted in white on the doors of the houses. " +
        "She read the letter twice, folded it carefully and put it back into the blue envelope. " +
        "When the wind turned to the north, the clouds gathered over the hills and the first drops of rain began to fall. " +
        "The children counted the stars until they fell asleep under the open window.";

    private const string TestText =
        "A quiet street leads up the hill to the church, where the bells ring at noon. " +
        "He opened the map on the kitchen table and traced the road to the mountains with his finger.";

    public static int Run(string[] args)
    {
        double maxMinutes = 5;
        int newSamples = 200;
        string output = "wavenet-speech.wav";
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--max-minutes": maxMinutes = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--steps": newSamples = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--out": output = args[++i]; break;
                default:
                    Console.Error.WriteLine($"Unknown option {args[i]}. Options: --max-minutes M (speech training) --steps N (timed generation steps) --out FILE.wav");
                    return 2;
            }
        }
        TorchRuntime.EnsureInitialized();
        Console.WriteLine($"{torch.get_num_threads()} threads, {Environment.ProcessorCount} cores (shared with other jobs: timings are noisy).");
        GenerationSpeed(newSamples);
        Console.WriteLine();
        if (!SpeechAudio.Available(out string why))
        {
            Console.WriteLine(why);
            return 0;
        }
        Speech(maxMinutes, Path.GetFullPath(output));
        return 0;
    }

    private static void GenerationSpeed(int newSamples)
    {
        Console.WriteLine($"Generation, random weights, 256 levels, residual 32, skip 128; a prompt of one receptive field, then {newSamples} greedy steps (medians).");
        Console.WriteLine($"{"field",7} {"decoder",-10} {"first token ms",15} {"per token ms",13} {"p90 ms",8} {"decode tok/s",13} {"vs recompute",13}");
        foreach (var (cycles, layers) in new[] { (2, 8), (3, 10) })
        {
            torch.manual_seed(1);
            var ids = new TokenIdLayout(Levels, 0);
            var config = new WaveNetConfig(ids.Size, cycles, layers, 32, 128);
            using var lm = new WaveNetLanguageModel(new WaveNetModel(config), ids, CPU);
            IStepDecodingModel model = lm;
            Console.WriteLine($"WaveNet {cycles} cycles × {layers} layers (dilations 1 … {1 << (layers - 1)}): receptive field {config.ReceptiveField} samples");
            var random = new Random(1);
            var prompt = model.BeginRow(Enumerable.Range(0, config.ReceptiveField - 1).Select(_ => random.Next(Levels)).ToArray(), null).ToArray();
            foreach (var mode in new[] { StepDecoderMode.Cached, StepDecoderMode.Recompute })
                GenerationSpeedBenchmark.Measure(model, mode, prompt[..8], 4);   // warm-up
            var cached = GenerationSpeedBenchmark.Measure(model, StepDecoderMode.Cached, prompt, newSamples);
            var full = GenerationSpeedBenchmark.Measure(model, StepDecoderMode.Recompute, prompt, newSamples);
            GenerationSpeedBenchmark.Print(config.ReceptiveField, "recompute", full, full);
            GenerationSpeedBenchmark.Print(config.ReceptiveField, "queues", cached, full);
        }
    }

    public sealed class Clip
    {
        public float[] Audio { get; set; } = [];
    }

    private static void Speech(double maxMinutes, string output)
    {
        var clock = Stopwatch.StartNew();
        var train = SpeechAudio.Synthesize(TrainText, "en-us");
        var test = SpeechAudio.Synthesize(TestText, "en-us");
        float peak = train.Concat(test).Max(Math.Abs) / 0.95f;   // one gain for both, so that samples lie in [-1, 1]
        var trainRows = Rows(train, peak);
        var testRows = Rows(test, peak);
        Console.WriteLine($"Speech (espeak-ng en-us, 8 kHz, μ-law {Levels} levels): {train.Length / (double)SpeechAudio.SampleRate:F1} s to train on, " +
                          $"{test.Length / (double)SpeechAudio.SampleRate:F1} s held out (other sentences), rows of {RowLength} samples; synthesized in {clock.Elapsed.TotalSeconds:F1} s.");

        var ml = new MLContext(seed: 1);
        var options = new WaveNetTrainer.Options
        {
            TokenColumnName = "Levels", LayersPerCycle = 8, DilationCycles = 2, ResidualChannels = 32, SkipChannels = 64, BatchSize = 8,
            SequenceLength = 1000, MaxIterations = 20_000, MaxTime = TimeSpan.FromMinutes(maxMinutes), LearningRate = 2e-3, WarmupIterations = 20,
            GradientClipNorm = 1, TokenLogProbabilities = true, Seed = 1, EvaluationInterval = 50,
            Progress = new Progress<Training.TrainingProgress>(p => Console.WriteLine($"  step {p.Iteration}: train {p.Loss / Math.Log(2):F3} bits/sample, {p.Elapsed:mm\\:ss}")),
        };
        var trainView = Load(ml, trainRows);
        clock.Restart();
        var model = ml.Transforms.MuLawEncode("Levels", "Audio", Levels).Append(ml.LanguageModeling().Trainers.WaveNet(options)).Fit(trainView);
        Console.WriteLine($"WaveNet 2 cycles × 8 layers (receptive field {new WaveNetConfig(2, 2, 8, 1, 1).ReceptiveField} samples), residual 32, skip 64: trained {clock.Elapsed:mm\\:ss} (budget {maxMinutes:F1} min).");

        var testView = Load(ml, testRows);
        double waveNetBits = BitsPerSample(model.Transform(testView));
        var trainLevels = Levels0(ml, trainView);
        var testLevels = Levels0(ml, testView);
        var lpc = LinearPredictionBaseline.Fit(trainLevels, LpcOrder, Levels);
        double lpcBits = lpc.BitsPerSample(testLevels), histogramBits = HistogramBits(trainLevels, testLevels);
        Console.WriteLine();
        Console.WriteLine($"{"model (held-out speech)",-34} {"bits/sample",12} {"vs LPC",8}");
        Console.WriteLine($"{"level histogram (no context)",-34} {histogramBits,12:F3} {histogramBits / lpcBits,7:F3}x");
        Console.WriteLine($"{$"linear prediction, order {LpcOrder}",-34} {lpcBits,12:F3} {1.0,7:F3}x");
        Console.WriteLine($"{"WaveNet",-34} {waveNetBits,12:F3} {waveNetBits / lpcBits,7:F3}x");

        clock.Restart();
        var generated = Generate(model.LastTransformer, testLevels[0][..Math.Min(testLevels[0].Length, 511)], SpeechAudio.SampleRate, seed: 1);
        WavFile.Write(output, generated, SpeechAudio.SampleRate);
        Console.WriteLine($"Generated {generated.Length / (double)SpeechAudio.SampleRate:F1} s (cached queues, sampling at temperature 1) in {clock.Elapsed.TotalSeconds:F1} s " +
                          $"after a {Math.Min(testLevels[0].Length, 511)}-sample held-out prompt: {output}");
        model.LastTransformer.Dispose();
    }

    private static float[][] Rows(float[] audio, float peak) =>
        Enumerable.Range(0, audio.Length / RowLength).Select(r => audio.AsSpan(r * RowLength, RowLength).ToArray().Select(x => x / peak).ToArray()).ToArray();

    private static IDataView Load(MLContext ml, float[][] rows)
    {
        var schema = SchemaDefinition.Create(typeof(Clip));
        schema[nameof(Clip.Audio)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, RowLength);
        return ml.Data.LoadFromEnumerable(rows.Select(r => new Clip { Audio = r }).ToArray(), schema);
    }

    // The rows' μ-law levels (0-based), through the same transform the WaveNet reads.
    private static List<int[]> Levels0(MLContext ml, IDataView rows) =>
        ml.Transforms.MuLawEncode("Levels", "Audio", Levels).Fit(rows).Transform(rows).GetColumn<VBuffer<uint>>("Levels")
            .Select(v => v.DenseValues().Select(k => (int)k - 1).ToArray()).ToList();

    // The mean of −log₂ p over the samples (each row's final end-of-row prediction left out).
    private static double BitsPerSample(IDataView scored)
    {
        var rows = scored.GetColumn<VBuffer<double>>("TokenLogProbabilities").Select(v => v.DenseValues().ToArray()).ToList();
        return -rows.SelectMany(r => r[..^1]).Average() / Math.Log(2);
    }

    // Levels coded with their training histogram (add-½ smoothing): no context at all.
    private static double HistogramBits(List<int[]> train, List<int[]> test)
    {
        var counts = new double[Levels];
        foreach (var row in train) foreach (int level in row) counts[level]++;
        double total = counts.Sum() + 0.5 * Levels;
        return test.SelectMany(r => r).Average(level => -Math.Log2((counts[level] + 0.5) / total));
    }

    // Samples a second of audio with the cached decoder; the separator and the unknown level are never drawn.
    private static float[] Generate(LanguageModelTransformer transformer, int[] promptLevels, int count, int seed)
    {
        var model = (IStepDecodingModel)transformer.Model;
        var map = transformer.KeyMap;
        using var decoder = model.CreateDecoder();
        var logits = new float[model.LogitCount];
        // A level the training audio never held reads as the unknown token.
        decoder.Prefill([model.BeginRow(promptLevels.Select(l => map.TryToModelIdOrUnknown(l, out int id) ? id : map.UnknownId).ToArray(), null).ToArray()], logits);
        var random = new Random(seed);
        var samples = new float[count];
        var probabilities = new double[model.TokenCount];
        for (int i = 0; i < count; i++)
        {
            double max = logits.AsSpan(0, model.TokenCount).ToArray().Max(), sum = 0;
            for (int id = 0; id < probabilities.Length; id++)
                sum += probabilities[id] = id == map.UnknownId ? 0 : Math.Exp(logits[id] - max);
            double u = random.NextDouble() * sum;
            int next = 0;
            while (next < probabilities.Length - 1 && (u -= probabilities[next]) > 0) next++;
            samples[i] = MuLaw.Decode(map.ToColumnId(next), Levels);
            decoder.Append([next], logits);
        }
        return samples;
    }
}
