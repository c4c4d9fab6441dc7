using System.Diagnostics;
using System.Globalization;
using ArML.Torch;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ArML.Bench;

/// <summary>
/// Forward + backward time of a gated PixelCNN's convolutions on 28 × 28 binary images (the shapes of
/// <c>PixelCnnNetwork</c>: per layer a (k/2+1) × k vertical, a 1 × (k/2+1) horizontal, two 1 × 1 convolutions and the
/// gates), in float32 and in bfloat16 (float32 master weights cast at use, as the trainer does), contiguous and
/// channels-last, measured back to back in one process (median ms of the timed steps). Arguments:
/// [--batch B] [--filters F] [--layers L] [--steps N] [--bf16-only] (bfloat16 alone, to compare shapes).
/// </summary>
internal static class PixelCnnStepBenchmark
{
    public static int Run(string[] args)
    {
        TorchRuntime.EnsureInitialized();
        long batch = 64, filters = 32;
        int layers = 5, steps = 8;
        bool bf16Only = false;
        for (int i = 0; i < args.Length; i += 2)
        {
            if (args[i] == "--bf16-only") { bf16Only = true; i--; continue; }
            if (i + 1 >= args.Length) { Console.Error.WriteLine($"{args[i]} needs a value"); return 2; }
            long value = long.Parse(args[i + 1], CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--batch": batch = value; break;
                case "--filters": filters = value; break;
                case "--layers": layers = (int)value; break;
                case "--steps": steps = (int)value; break;
                default: Console.Error.WriteLine("Options: --batch B --filters F --layers L --steps N --bf16-only"); return 2;
            }
        }
        Console.WriteLine($"gated PixelCNN step, batch {batch}, {layers} layers of {filters} filters, {torch.get_num_threads()} threads (under load: compare rows of one run)");
        // Channels-last is made by strides (NHWC storage seen as NCHW): libtorch's convolutions follow the input's layout.
        // Two rounds, interleaved, so that a change in the machine's load touches every variant alike.
        var results = new Dictionary<string, List<double>>();
        for (int round = 0; round < 2; round++)
            foreach (var type in bf16Only ? new[] { ScalarType.BFloat16 } : new[] { ScalarType.Float32, ScalarType.BFloat16 })
                foreach (bool channelsLast in new[] { false, true })
                {
                    string key = $"{type,-9} {(channelsLast ? "channels-last" : "contiguous"),-13}";
                    if (!results.TryGetValue(key, out var list)) results[key] = list = [];
                    list.AddRange(Times(batch, filters, layers, steps, type, channelsLast));
                }
        double reference = Measurements.Median(results.First().Value);
        foreach (var (key, times) in results)
            Console.WriteLine($"  {key} {Measurements.Median(times),8:F1} ms/step  ({reference / Measurements.Median(times):F2}x float32)");
        return 0;
    }

    private static List<double> Times(long batch, long f, int layers, int steps, ScalarType type, bool channelsLast)
    {
        using var outer = NewDisposeScope();
        var weights = new List<Tensor>();
        Tensor W(params long[] shape)
        {
            var w = (randn(shape) * (1.0 / Math.Sqrt(shape[1] * shape[2] * shape[3]))).requires_grad_();
            weights.Add(w);
            return w;
        }
        var layerWeights = Enumerable.Range(0, layers).Select(l =>
        {
            long inputs = l == 0 ? 1 : f, k = l == 0 ? 7 : 3;
            return (V: W(2 * f, inputs, k / 2 + 1, k), H: W(2 * f, inputs, 1, k / 2 + 1), VH: W(2 * f, 2 * f, 1, 1), Res: W(f, f, 1, 1),
                VB: B(2 * f), HB: B(2 * f), ResB: B(f));
        }).ToArray();
        Tensor B(long size)
        {
            var b = zeros(size).requires_grad_();
            weights.Add(b);
            return b;
        }
        var outHidden = W(64, f, 1, 1);
        var outHiddenBias = B(64);
        var outLogits = W(1, 64, 1, 1);
        var images = (rand(batch, 1, 28, 28) > 0.8).to_type(ScalarType.Float32);
        var times = new List<double>();
        for (int step = 0; step < steps + 2; step++)
        {
            using var scope = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            Tensor Cast(Tensor t)
            {
                var c = t.to_type(type);
                return channelsLast && c.dim() == 4 ? c.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2) : c;
            }
            var image = Cast(images);
            Tensor vertical = image, horizontal = image;
            for (int l = 0; l < layers; l++)
            {
                int k = l == 0 ? 7 : 3;
                var (wv, wh, wvh, wres, bv, bh, bres) = layerWeights[l];
                var v = F.conv2d(F.pad(vertical, [k / 2, k / 2, k / 2, 0]), Cast(wv), Cast(bv));
                var hInput = l == 0 ? F.pad(horizontal, [1, 0, 0, 0]).narrow(3, 0, 28) : horizontal;
                var hPre = F.conv2d(F.pad(hInput, [k / 2, 0, 0, 0]), Cast(wh), Cast(bh)) + F.conv2d(F.pad(v, [0, 0, 1, 0]).narrow(2, 0, 28), Cast(wvh));
                var gated = F.conv2d(Gate(hPre), Cast(wres), Cast(bres));
                horizontal = l == 0 ? gated : horizontal + gated;
                vertical = Gate(v);
            }
            var logits = F.conv2d(F.relu(F.conv2d(F.relu(horizontal), Cast(outHidden), Cast(outHiddenBias))).to_type(ScalarType.Float32), outLogits);
            var loss = F.binary_cross_entropy_with_logits(logits, images);
            loss.backward();
            for (int i = 0; i < weights.Count; i++)
                if (weights[i].grad!.abs().max().item<float>() is var largest && !(largest < 1e6)) Console.WriteLine($"    step {step}: gradient {i} of {type} reaches {largest}");
            foreach (var w in weights) w.grad?.zero_();
            if (step >= 2) times.Add(clock.Elapsed.TotalMilliseconds);
        }
        return times;
    }

    private static Tensor Gate(Tensor x)
    {
        var halves = x.chunk(2, 1);
        return halves[0].tanh() * halves[1].sigmoid();
    }
}
