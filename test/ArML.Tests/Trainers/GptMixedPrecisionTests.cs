using ArML.Tests.Support;
using ArML.Torch;
using ArML.Trainers.Gpt;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Trainers;

/// <summary>
/// Mixed precision (<see cref="GptModel.ComputeType"/> = BFloat16) against the same weights in float32: the bfloat16
/// products may only cost bfloat16 rounding, the master weights and their gradients stay float32, and the model stays
/// causal.
/// </summary>
public class GptMixedPrecisionTests
{
    private const int Vocabulary = 11;

    private static GptModel Model(PositionEncoding positions, int layers = 2)
    {
        TorchRuntime.EnsureInitialized();
        var model = new GptModel(new GptConfig(Vocabulary, ContextLength: 16, LayerCount: layers, HeadCount: 2, EmbeddingSize: 32,
            Dropout: 0, Bias: true, positions), seed: 7);
        model.eval();
        return model;
    }

    private static long[] Ids(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (long)random.Next(Vocabulary)).ToArray();
    }

    // Six layers too: unlike PyTorch's autocast the residual additions accumulate in bfloat16, and their rounding
    // must not grow with depth beyond the same bounds.
    [Theory]
    [InlineData(PositionEncoding.Learned, 2)]
    [InlineData(PositionEncoding.Rotary, 2)]
    [InlineData(PositionEncoding.Learned, 6)]
    public void BFloat16LogitsAndGradientsMatchFloat32WithinBFloat16Rounding(PositionEncoding positions, int layers)
    {
        using var model = Model(positions, layers);
        var x = Ids(3 * 16, 1);
        var y = Ids(3 * 16, 2);
        (float[] Logits, Dictionary<string, float[]> Gradients) Run(ScalarType compute)
        {
            model.ComputeType = compute;
            model.zero_grad();
            using var scope = NewDisposeScope();
            var logits = model.call(tensor(x, [3, 16]));
            Assert.Equal(ScalarType.Float32, logits.dtype);                      // logits stay float32 either way
            nn.functional.cross_entropy(logits.view(-1, Vocabulary), tensor(y)).backward();
            var gradients = model.named_parameters().ToDictionary(p => p.name, p =>
            {
                Assert.Equal(ScalarType.Float32, p.parameter.grad!.dtype);      // master gradients are float32
                return p.parameter.grad!.data<float>().ToArray();
            });
            return (logits.detach().data<float>().ToArray(), gradients);
        }

        var (exactLogits, exactGradients) = Run(ScalarType.Float32);
        var (mixedLogits, mixedGradients) = Run(ScalarType.BFloat16);

        // bfloat16 keeps 8 significant bits (relative rounding 2^-9); through two or six blocks the logits (order 1)
        // move by a few thousandths (measured 0.002–0.0025), and not by nothing (the products really ran in bfloat16).
        double largest = exactLogits.Zip(mixedLogits, (a, b) => Math.Abs(a - b)).Max();
        Assert.InRange(largest, 1e-6, 0.01);
        foreach (var (name, exact) in exactGradients)
            GradientComparison.AssertCloseInDirectionAndNorm(name, exact, mixedGradients[name]);   // skips e.g. embeddings of ids absent from x
    }

    [Fact]
    public void BFloat16ModelIsCausal()
    {
        using var model = Model(PositionEncoding.Learned);
        model.ComputeType = ScalarType.BFloat16;
        var a = Ids(16, 3);
        using var noGrad = no_grad();
        var before = model.call(tensor(a, [1, 16])).data<float>().ToArray();
        var b = (long[])a.Clone();
        b[9] = (b[9] + 1) % Vocabulary;
        var after = model.call(tensor(b, [1, 16])).data<float>().ToArray();
        for (int i = 0; i < 9 * Vocabulary; i++) Assert.Equal(before[i], after[i]);
        Assert.NotEqual(before.Skip(9 * Vocabulary).Take(Vocabulary), after.Skip(9 * Vocabulary).Take(Vocabulary));
    }
}
