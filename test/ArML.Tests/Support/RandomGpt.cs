using ArML.Trainers;
using ArML.Torch;
using ArML.Trainers.Gpt;
using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Tests.Support;

/// <summary>
/// Untrained GPT language models for decoding tests. Weights are scaled up from GPT-2's initialisation so that
/// attention is far from uniform and the next-id distributions are peaked: a wrong mask, position or cached key
/// changes the logits visibly.
/// </summary>
public static class RandomGpt
{
    public static GptLanguageModel Create(int tokens = 10, int context = 8, PositionEncoding positions = PositionEncoding.Learned,
        int conditions = 0, int seed = 1, int layers = 2, int heads = 2, int width = 16, double scale = 12)
    {
        TorchRuntime.EnsureInitialized();
        var vocabulary = new TokenIdLayout(tokens, conditions);
        return Create(vocabulary, new GptConfig(vocabulary.Size, context, layers, heads, width, 0, true, positions), seed, scale);
    }

    /// <summary>A model of exactly <paramref name="config"/> (its vocabulary size must be <paramref name="vocabulary"/>'s), weights scaled as above.</summary>
    public static GptLanguageModel Create(TokenIdLayout vocabulary, GptConfig config, int seed, double scale)
    {
        TorchRuntime.EnsureInitialized();
        var model = new GptModel(config, seed);
        using (no_grad())
            foreach (var (name, p) in model.named_parameters())
                if (name.EndsWith(".weight", StringComparison.Ordinal) && !name.Contains("ln_", StringComparison.Ordinal)) KeptScalar.MulInPlace(p, scale);
        return new GptLanguageModel(model, vocabulary, CPU);
    }

    /// <summary>The model's ordinary forward pass over <paramref name="window"/>: logits of the id after its last.</summary>
    public static float[] LastLogits(GptLanguageModel lm, IReadOnlyList<int> window)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = tensor(window.Select(i => (long)i).ToArray(), [1, window.Count]);
        return lm.Model.call(x)[0, window.Count - 1].to_type(ScalarType.Float32).data<float>().ToArray();
    }

    /// <summary>The model's ordinary forward pass over <paramref name="window"/>: every position's logits, row-major (T × V).</summary>
    public static float[] AllLogits(GptLanguageModel lm, IReadOnlyList<int> window)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = tensor(window.Select(i => (long)i).ToArray(), [1, window.Count]);
        return lm.Model.call(x)[0].to_type(ScalarType.Float32).data<float>().ToArray();
    }

    /// <summary>Log-probabilities over the decodable candidates (tokens but the unknown one, then the separator), in float64.</summary>
    public static double[] CandidateLogProbabilities(GptLanguageModel lm, IReadOnlyList<int> window)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = tensor(window.Select(i => (long)i).ToArray(), [1, window.Count]);
        var logits = lm.Model.call(x)[0, window.Count - 1].to_type(ScalarType.Float64).data<double>().ToArray();
        var candidates = logits.Take(lm.Vocabulary.TokenKeyCount + 1).ToArray();
        if (lm.Vocabulary.HasUnknown) candidates[lm.Vocabulary.UnknownToken] = double.NegativeInfinity;   // never decoded
        double max = candidates.Max();
        double log = max + Math.Log(candidates.Sum(v => Math.Exp(v - max)));
        return candidates.Select(v => v - log).ToArray();
    }

    /// <summary>The documented window rule, written out independently: past the context, keep the most recent half.</summary>
    public static void Push(List<int> window, int id, int context)
    {
        window.Add(id);
        if (window.Count > context) window.RemoveRange(0, window.Count - context / 2);
    }
}
