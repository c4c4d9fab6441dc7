using ArML.Tests.Support;
using ArML.Torch;
using ArML.Trainers.Gpt;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Trainers;

/// <summary>The GPT-2 variants GptConfig expresses (activation, layer-norm epsilon, MLP width, separate head) against a float64 reference.</summary>
public class GptArchitectureTests
{
    public static TheoryData<GptActivation, double, int?, bool> Variants => new()
    {
        { GptActivation.Gelu, 1e-5, null, true },
        { GptActivation.GeluTanh, 1e-5, null, true },
        { GptActivation.GeluTanh, 0.3, 40, false },
        { GptActivation.Relu, 1e-2, 12, false },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void LogitsMatchAFloat64Gpt2(GptActivation activation, double epsilon, int? inner, bool tied)
    {
        TorchRuntime.EnsureInitialized();
        var config = new GptConfig(VocabularySize: 11, ContextLength: 9, LayerCount: 2, HeadCount: 2, EmbeddingSize: 8, Dropout: 0, Bias: true,
            Activation: activation, LayerNormEpsilon: epsilon, InnerSize: inner, TiedHead: tied);
        using var model = new GptModel(config, seed: 5);
        Randomize(model, seed: 7);
        model.eval();
        int[] ids = [3, 1, 4, 1, 5, 9, 2, 6, 5];
        var expected = Gpt2Reference.Of(model).Logits(ids);
        using var noGrad = no_grad();
        using var logits = model.call(tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]));
        var actual = logits.to_type(ScalarType.Float64).data<double>().ToArray();
        double tolerance = Float32Rounding.Sum(config.LayerCount * 4, config.MlpWidth, 10);
        for (int t = 0; t < ids.Length; t++)
            for (int v = 0; v < 11; v++)
                Assert.True(Math.Abs(expected[t][v] - actual[t * 11 + v]) <= tolerance,
                    $"position {t}, id {v}: {actual[t * 11 + v]} vs {expected[t][v]} (tolerance {tolerance})");
    }

    /// <summary>
    /// Every parameter random, layer norms around one and biases around zero but far from them, so a parameter read
    /// from the wrong slot changes the logits.
    /// </summary>
    internal static void Randomize(nn.Module model, int seed)
    {
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)seed);
        foreach (var (name, p) in model.named_parameters())
        {
            using var noise = randn(p.shape, generator: generator);
            bool norm = name.Contains("ln_", StringComparison.Ordinal);
            if (name.EndsWith(".bias", StringComparison.Ordinal)) p.copy_(KeptScalar.Mul(noise, 0.3));
            else if (norm) p.copy_(KeptScalar.Add(KeptScalar.Mul(noise, 0.3), 1.0));
            else p.copy_(KeptScalar.Mul(noise, 0.4));
        }
    }
}
