using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Trainers.Gpt;

/// <summary>
/// A trained <see cref="GptModel"/> in evaluation mode with the operations a language model offers: exact
/// log-likelihoods of token sequences and sampling. Thread-safe: calls into the model are serialized.
/// </summary>
/// <remarks>
/// Sequences are framed as <c>[SEP] t₁ … tₙ [SEP]</c> where SEP (id <see cref="SeparatorId"/>, one past the
/// data's vocabulary) marks both the start and the end of a row, as in training. The predicted tokens of a row
/// are t₁ … tₙ and the final SEP: n + 1 predictions, so a row's log-likelihood is the log-probability of the
/// complete row, its end included.
/// </remarks>
public sealed class GptLanguageModel : IDisposable
{
    // Upper bound on B·T·V logits materialized at once while scoring (float32: 256 MB).
    private const long LogitBudget = 64L << 20;
    private readonly object _gate = new();

    /// <summary>Wraps a trained model living on <paramref name="device"/>.</summary>
    public GptLanguageModel(GptModel model, Device device)
    {
        Model = model;
        Device = device;
        model.eval();
    }

    /// <summary>The network.</summary>
    public GptModel Model { get; }

    /// <summary>Where the network computes.</summary>
    public Device Device { get; }

    /// <summary>The row separator id: the last id of the model's vocabulary.</summary>
    public int SeparatorId => Model.Config.VocabularySize - 1;

    /// <summary>Positions the model attends over.</summary>
    public int ContextLength => Model.Config.ContextLength;

    /// <summary>
    /// Log-likelihood (natural log) of each row and its number of predicted tokens (length + 1). Rows longer than
    /// the context are scored in windows advancing by <paramref name="stride"/>: every token once, with at least
    /// ContextLength − stride tokens of left context after the first window.
    /// </summary>
    public void Score(IReadOnlyList<int[]> rows, IReadOnlyList<int> lengths, int stride, Span<double> logLikelihoods, Span<int> tokenCounts)
    {
        if (stride < 1 || stride > ContextLength)
            throw new ArgumentOutOfRangeException(nameof(stride), $"Stride must be in 1..{ContextLength}, but is {stride}.");
        var windows = new List<ScoringWindow>();
        for (int r = 0; r < lengths.Count; r++)
        {
            logLikelihoods[r] = 0;
            tokenCounts[r] = lengths[r] + 1;
            ScoringWindow.Plan(r, lengths[r] + 2, ContextLength, stride, windows);
        }
        int vocabulary = Model.Config.VocabularySize;
        int start = 0;
        while (start < windows.Count)
        {
            int maxLength = 0, end = start;
            while (end < windows.Count)
            {
                int longer = Math.Max(maxLength, windows[end].Length);
                if (end > start && (long)(end - start + 1) * longer * vocabulary > LogitBudget) break;
                maxLength = longer;
                end++;
            }
            ScoreChunk(rows, windows, start, end, maxLength, logLikelihoods);
            start = end;
        }
    }

    private void ScoreChunk(IReadOnlyList<int[]> rows, List<ScoringWindow> windows, int start, int end, int length, Span<double> logLikelihoods)
    {
        int count = end - start;
        var inputs = new long[count * length];
        var targets = new long[count * length];
        var mask = new double[count * length];
        for (int w = 0; w < count; w++)
        {
            var window = windows[start + w];
            var row = rows[window.Row];
            int rowLength = window.SequenceLength - 2;
            for (int j = 0; j < window.Length; j++)
            {
                inputs[w * length + j] = TokenAt(row, rowLength, window.Begin + j);
                targets[w * length + j] = TokenAt(row, rowLength, window.Begin + j + 1);
                if (j >= window.FirstScored) mask[w * length + j] = 1;
            }
            for (int j = window.Length; j < length; j++) inputs[w * length + j] = SeparatorId;  // right padding never influences earlier positions
        }
        double[] sums;
        lock (_gate)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var x = tensor(inputs, [count, length], device: Device);
            var y = tensor(targets, [count, length], device: Device);
            var logp = nn.functional.log_softmax(Model.call(x), dim: -1);                 // (B, T, V)
            var picked = logp.gather(-1, y.unsqueeze(-1)).squeeze(-1).to_type(ScalarType.Float64);  // (B, T)
            var m = tensor(mask, [count, length], device: Device);
            sums = (picked * m).sum(1).cpu().data<double>().ToArray();
        }
        for (int w = 0; w < count; w++) logLikelihoods[windows[start + w].Row] += sums[w];
    }

    private int TokenAt(int[] row, int rowLength, int position) =>
        position == 0 || position == rowLength + 1 ? SeparatorId : row[position - 1];

    /// <summary>
    /// Samples a continuation of <paramref name="prompt"/> (ids without separators) until the model ends the row or
    /// <paramref name="maxNewTokens"/> are produced. Temperature 0 is greedy (arg-max). Only the last
    /// ContextLength tokens condition each step.
    /// </summary>
    public int[] Sample(IReadOnlyList<int> prompt, int maxNewTokens, double temperature, int seed)
    {
        if (temperature < 0 || double.IsNaN(temperature)) throw new ArgumentOutOfRangeException(nameof(temperature), "Temperature must be ≥ 0.");
        ArgumentOutOfRangeException.ThrowIfNegative(maxNewTokens);
        var sequence = new List<int>(prompt.Count + maxNewTokens + 1) { SeparatorId };
        foreach (int id in prompt)
        {
            if (id < 0 || id >= SeparatorId) throw new ArgumentOutOfRangeException(nameof(prompt), $"Token id {id} is outside the vocabulary (0..{SeparatorId - 1}).");
            sequence.Add(id);
        }
        var random = new Random(seed);
        var generated = new List<int>();
        for (int step = 0; step < maxNewTokens; step++)
        {
            int next = NextToken(sequence, temperature, random);
            if (next == SeparatorId) break;
            sequence.Add(next);
            generated.Add(next);
        }
        return generated.ToArray();
    }

    private int NextToken(List<int> sequence, double temperature, Random random)
    {
        int take = Math.Min(sequence.Count, ContextLength);
        var window = new long[take];
        for (int i = 0; i < take; i++) window[i] = sequence[sequence.Count - take + i];
        float[] logits;
        lock (_gate)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var x = tensor(window, [1, take], device: Device);
            logits = Model.call(x)[0, take - 1].to_type(ScalarType.Float32).cpu().data<float>().ToArray();
        }
        if (temperature == 0) return Array.IndexOf(logits, logits.Max());
        double max = logits.Max();
        var weights = logits.Select(l => Math.Exp((l - max) / temperature)).ToArray();
        double u = random.NextDouble() * weights.Sum();
        for (int i = 0; i < weights.Length; i++)
        {
            u -= weights[i];
            if (u <= 0) return i;
        }
        return weights.Length - 1;
    }

    /// <inheritdoc/>
    public void Dispose() => Model.Dispose();
}
