namespace ArML.Tests.Support;

/// <summary>
/// A plain float64 GPT-2 forward pass, written from the architecture's definition and independent of TorchSharp:
/// the tests' reference for ArML's GPT and for Hugging Face import and export. Weights are read by their Hugging
/// Face names in Conv1D layout (y = x·W + b, W stored [in, out]); the head is lm_head.weight [V, C] when given, else
/// the token embedding.
/// </summary>
internal sealed class Gpt2Reference(Func<string, double[]?> weights, int layers, int heads, int width, string activation, double epsilon)
{
    /// <summary>The reference over an ArML <see cref="ArML.Trainers.Gpt.GptModel"/>'s weights: its linear layers' [out, in] matrices transposed to Conv1D's [in, out].</summary>
    public static Gpt2Reference Of(ArML.Trainers.Gpt.GptModel model)
    {
        var config = model.Config;
        var tensors = new Dictionary<string, double[]>();
        foreach (var (name, p) in model.named_parameters())
        {
            using var t = name.EndsWith("c_attn.weight", StringComparison.Ordinal) || name.EndsWith("c_proj.weight", StringComparison.Ordinal)
                || name.EndsWith("c_fc.weight", StringComparison.Ordinal) ? p.detach().t().contiguous() : p.detach().clone();
            tensors[name] = t.to_type(TorchSharp.torch.ScalarType.Float64).data<double>().ToArray();
        }
        string activation = config.Activation switch
        {
            ArML.Trainers.Gpt.GptActivation.GeluTanh => "gelu_new",
            ArML.Trainers.Gpt.GptActivation.Relu => "relu",
            _ => "gelu",
        };
        return new Gpt2Reference(name => tensors.GetValueOrDefault(name), config.LayerCount, config.HeadCount, config.EmbeddingSize,
            activation, config.LayerNormEpsilon);
    }

    private double[] W(string name) => weights(name) ?? throw new KeyNotFoundException(name);

    /// <summary>Logits (T × V, row-major) of every position of <paramref name="ids"/> (positions 0..T−1).</summary>
    public double[][] Logits(IReadOnlyList<int> ids)
    {
        int t = ids.Count, c = width;
        var wte = W("wte.weight");
        var wpe = W("wpe.weight");
        var x = new double[t][];
        for (int i = 0; i < t; i++)
        {
            x[i] = new double[c];
            for (int j = 0; j < c; j++) x[i][j] = wte[ids[i] * c + j] + wpe[i * c + j];
        }
        for (int l = 0; l < layers; l++)
        {
            string h = $"h.{l}.";
            var a = x.Select(row => Norm(row, h + "ln_1")).ToArray();
            var qkv = a.Select(row => Affine(row, h + "attn.c_attn", 3 * c)).ToArray();
            var attended = Attention(qkv, t, c);
            for (int i = 0; i < t; i++) Add(x[i], Affine(attended[i], h + "attn.c_proj", c));
            var m = x.Select(row => Norm(row, h + "ln_2")).ToArray();
            int inner = W(h + "mlp.c_fc.bias").Length;
            for (int i = 0; i < t; i++)
                Add(x[i], Affine(Affine(m[i], h + "mlp.c_fc", inner).Select(Activate).ToArray(), h + "mlp.c_proj", c));
        }
        var head = weights("lm_head.weight") ?? wte;
        int v = head.Length / c;
        return x.Select(row =>
        {
            var n = Norm(row, "ln_f");
            var logits = new double[v];
            for (int k = 0; k < v; k++)
                for (int j = 0; j < c; j++) logits[k] += n[j] * head[k * c + j];
            return logits;
        }).ToArray();
    }

    /// <summary>log p(ids[t] | ids[..t]) for t = 1..T−1.</summary>
    public double[] TokenLogProbabilities(IReadOnlyList<int> ids)
    {
        var logits = Logits(ids.Take(ids.Count - 1).ToArray());   // the last id is only a target
        return Enumerable.Range(1, ids.Count - 1).Select(t => LogSoftmax(logits[t - 1])[ids[t]]).ToArray();
    }

    public static double[] LogSoftmax(double[] logits)
    {
        double max = logits.Max();
        double log = Math.Log(logits.Sum(z => Math.Exp(z - max))) + max;
        return logits.Select(z => z - log).ToArray();
    }

    private double[][] Attention(double[][] qkv, int t, int c)
    {
        int hs = c / heads;
        var y = Enumerable.Range(0, t).Select(_ => new double[c]).ToArray();
        for (int head = 0; head < heads; head++)
            for (int i = 0; i < t; i++)
            {
                var scores = new double[i + 1];
                for (int j = 0; j <= i; j++)
                {
                    double dot = 0;
                    for (int d = 0; d < hs; d++) dot += qkv[i][head * hs + d] * qkv[j][c + head * hs + d];
                    scores[j] = dot / Math.Sqrt(hs);
                }
                var p = LogSoftmax(scores).Select(Math.Exp).ToArray();
                for (int j = 0; j <= i; j++)
                    for (int d = 0; d < hs; d++) y[i][head * hs + d] += p[j] * qkv[j][2 * c + head * hs + d];
            }
        return y;
    }

    private double[] Affine(double[] x, string name, int output)
    {
        var w = W(name + ".weight");
        var b = weights(name + ".bias");
        var y = new double[output];
        for (int o = 0; o < output; o++) y[o] = b?[o] ?? 0;
        for (int i = 0; i < x.Length; i++)
            for (int o = 0; o < output; o++) y[o] += x[i] * w[i * output + o];
        return y;
    }

    private double[] Norm(double[] x, string name)
    {
        double mean = x.Average(), variance = x.Average(z => (z - mean) * (z - mean));
        var g = W(name + ".weight");
        var b = weights(name + ".bias");
        return x.Select((z, j) => (z - mean) / Math.Sqrt(variance + epsilon) * g[j] + (b?[j] ?? 0)).ToArray();
    }

    private double Activate(double z) => activation switch
    {
        "gelu_new" => 0.5 * z * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (z + 0.044715 * z * z * z))),
        "gelu" => 0.5 * z * (1 + Erf(z / Math.Sqrt(2))),
        "relu" => Math.Max(0, z),
        _ => throw new ArgumentException(activation),
    };

    private static void Add(double[] x, double[] y)
    {
        for (int j = 0; j < x.Length; j++) x[j] += y[j];
    }

    /// <summary>erf to about 1e-14: its Maclaurin series below 3, erfc's continued fraction above.</summary>
    public static double Erf(double x)
    {
        if (x < 0) return -Erf(-x);
        if (x < 3)
        {
            double sum = 0, term = x;   // term = (−1)ⁿ x^(2n+1) / n!
            for (int n = 0; n < 200 && Math.Abs(term) > 1e-17; n++)
            {
                sum += term / (2 * n + 1);
                term *= -x * x / (n + 1);
            }
            return 2 / Math.Sqrt(Math.PI) * sum;
        }
        double fraction = x;   // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …))))
        for (int k = 80; k >= 1; k--) fraction = x + k / 2.0 / fraction;
        return 1 - Math.Exp(-x * x) / Math.Sqrt(Math.PI) / fraction;
    }
}
