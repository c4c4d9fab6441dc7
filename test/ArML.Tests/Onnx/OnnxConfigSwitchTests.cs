using ArML.Onnx;
using ArML.Tests.Support;
using ArML.Torch;
using ArML.Trainers;
using ArML.Trainers.Gpt;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Onnx;

/// <summary>
/// The scoring graph of GPTs built with each non-default <see cref="GptConfig"/> switch (as Hugging Face imports set them),
/// run by ONNX Runtime, against TorchSharp. Each case first checks that the switch moves TorchSharp's logits by far more
/// than the tolerance, so an exporter that ignored it would fail.
/// </summary>
public sealed class OnnxConfigSwitchTests : IDisposable
{
    private const int Tokens = 12, Context = 12, Width = 16;
    private readonly string _dir = Directory.CreateTempSubdirectory("arml-onnx-switch-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> Switches => new() { "GeluTanh", "Relu", "Epsilon", "InnerSize", "UntiedHead" };

    private static GptConfig Configure(GptConfig c, string name) => name switch
    {
        "GeluTanh" => c with { Activation = GptActivation.GeluTanh },
        "Relu" => c with { Activation = GptActivation.Relu },
        "Epsilon" => c with { LayerNormEpsilon = 0.05 },
        "InnerSize" => c with { InnerSize = 24 },
        "UntiedHead" => c with { TiedHead = false },
        _ => throw new ArgumentException(name, nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Switches))]
    public void ScoringGraphFollowsTheSwitch(string name)
    {
        var vocabulary = new TokenIdLayout(Tokens, 0);
        var plain = new GptConfig(vocabulary.Size, Context, 2, 2, Width, 0, true);
        var config = Configure(plain, name);
        var lm = RandomGpt.Create(vocabulary, config, seed: 7, scale: 12);
        if (name == "GeluTanh") IntoGelusTail(lm.Model);
        using var model = new LanguageModelTransformer(lm, new LanguageModelColumns("Tokens"), null, 8, Context);
        string path = Path.Combine(_dir, name + ".onnx");
        model.ExportOnnx(path);

        var random = new Random(3);
        var framed = Enumerable.Range(0, 4).Select(r => Frame(vocabulary, Enumerable.Range(0, 3 + 2 * r).Select(_ => random.Next(Tokens)).ToArray())).ToList();
        var run = OnnxScoring.Run(path, framed, vocabulary.Separator);
        var expectedLl = new double[framed.Count];
        var counts = new int[framed.Count];
        lm.ScoreFramed(framed, framed.Select(f => f.Length).ToList(), framed.Select(_ => 1).ToList(), Context, expectedLl, counts);

        // With the switch at its default (same weights; the MLP width has no such twin: the exporter checks it against the weights).
        var twin = name == "InnerSize" ? null : Twin(lm, plain);
        double moved = 0;   // the largest change, in units of the comparison's tolerance
        for (int r = 0; r < framed.Count; r++)
        {
            Assert.Equal(counts[r], run.TokenCounts[r]);
            double tolerance = Math.Max(1e-4, Float32Rounding.RowScore(counts[r], expectedLl[r], config.MlpWidth, vocabulary.Size));
            Assert.Equal(expectedLl[r], run.LogLikelihoods[r], tolerance);
            var logits = RandomGpt.AllLogits(lm, framed[r][..^1]);
            for (int j = 0; j < logits.Length; j++)
                Assert.True(Math.Abs(logits[j] - run.Logits[r][j]) <= 1e-4 * Math.Max(1, Math.Abs(logits[j])),
                    $"{name}, row {r} logit {j}: TorchSharp {logits[j]}, ONNX Runtime {run.Logits[r][j]}");
            if (twin != null)
                moved = Math.Max(moved, RandomGpt.AllLogits(twin, framed[r][..^1]).Zip(logits, (a, b) => Math.Abs(a - b) / (1e-4 * Math.Max(1, Math.Abs(b)))).Max());
        }
        if (twin != null) Assert.True(moved > 10, $"{name}: the switch moves the logits by only {moved} tolerances, too little to test the export.");
    }

    // The two GELUs differ by under 2e-4 absolutely, about 1e-4 of a logit: pushing the MLP's pre-activations to around −3,
    // where both are tiny but differ by ~10%, and amplifying the MLP's output makes that difference dominate.
    private static void IntoGelusTail(GptModel model)
    {
        using var noGrad = no_grad();
        foreach (var (name, p) in model.named_parameters())
        {
            if (name.EndsWith("mlp.c_fc.bias", StringComparison.Ordinal)) KeptScalar.With(-3.0, s => p.fill_(s));
            if (name.EndsWith("mlp.c_proj.weight", StringComparison.Ordinal)) KeptScalar.MulInPlace(p, 30.0);
        }
    }

    // A model of config (the default switches) holding lm's weights; lm's separate head, if any, is left out.
    private static GptLanguageModel Twin(GptLanguageModel lm, GptConfig config)
    {
        var model = new GptModel(config, seed: 1);
        using (no_grad()) model.load_state_dict(lm.Model.state_dict(), strict: false);
        return new GptLanguageModel(model, lm.Vocabulary, CPU);
    }

    private static int[] Frame(TokenIdLayout ids, int[] tokens)
    {
        var buffer = new List<int>();
        ids.Frame([], tokens, buffer);
        return buffer.ToArray();
    }
}
