using ArML.Tests.Support;
using ArML.Trainers.Generation;
using ArML.Trainers.Gpt;
using Xunit;

namespace ArML.Tests.Trainers;

/// <summary>
/// The cached decoder against the model's ordinary forward pass over each row's window, at every step: rows of
/// different lengths (padding masks), prompts longer than the context, generation far past it (windows slide, slots
/// are reclaimed), rows dropped, repeated and reordered between steps.
/// </summary>
public class GptKvCacheTests
{
    // Cached and recomputed logits are two float32 paths; the longest dot products are the MLP's (4 × width 16), and
    // a logit's error scales with the largest logit (see Float32Rounding).
    private static double Tolerance(double largestLogit) => Float32Rounding.Sum(1, 4 * 16, largestLogit);

    [Theory]
    [InlineData(PositionEncoding.Learned, StepDecoderMode.Cached)]
    [InlineData(PositionEncoding.Rotary, StepDecoderMode.Cached)]
    [InlineData(PositionEncoding.Learned, StepDecoderMode.Recompute)]
    public void LogitsEqualFullRecomputationAtEveryStep(PositionEncoding positions, StepDecoderMode mode)
    {
        using var lm = RandomGpt.Create(tokens: 10, context: 8, positions: positions);
        int context = lm.ContextLength, sep = lm.SeparatorId, width = lm.Vocabulary.Size;
        // A start of row, a short prompt, and one longer than the context (left-truncated).
        var windows = new List<List<int>> { new() { sep }, new() { sep, 1, 2, 3 }, new() { sep, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 5 } };
        using var decoder = lm.CreateDecoder(mode);
        var logits = new float[4 * width];
        decoder.Prefill(windows.Select(w => (IReadOnlyList<int>)w.ToArray()).ToArray(), logits);
        windows = windows.Select(w => w.Skip(Math.Max(0, w.Count - context)).ToList()).ToList();
        var (worst, largest) = Compare(lm, windows, logits);

        var random = new Random(3);
        int slides = 0;
        for (int step = 0; step < 30; step++)
        {
            if (step == 6) Reselect(decoder, windows, [2, 0, 0, 1]);     // repeat and reorder
            if (step == 15) Reselect(decoder, windows, [3, 1]);          // drop rows
            if (step == 24) Reselect(decoder, windows, [1]);             // one row left: no padding
            var ids = windows.Select(_ => random.Next(lm.Vocabulary.TokenKeyCount)).ToArray();
            decoder.Append(ids, logits);
            for (int r = 0; r < windows.Count; r++)
            {
                int before = windows[r].Count;
                RandomGpt.Push(windows[r], ids[r], context);
                if (windows[r].Count < before) slides++;
            }
            var (difference, logit) = Compare(lm, windows, logits);
            (worst, largest) = (Math.Max(worst, difference), Math.Max(largest, logit));
        }
        Assert.True(slides >= 6, $"only {slides} windows slid: the test must run past the context");
        Assert.True(worst <= Tolerance(largest), $"largest difference from full recomputation: {worst:E2} (tolerance {Tolerance(largest):E2})");
    }

    [Fact]
    public void TheComparisonIsSensitiveToTheWindow()
    {
        // Right after a slide, the documented window (half the context) and the last full context give different
        // logits: a decoder that kept the wrong ids would fail the test above.
        using var lm = RandomGpt.Create(tokens: 10, context: 8);
        var history = new List<int> { lm.SeparatorId, 1, 2, 3, 4, 5, 6, 7, 8 };
        var half = history.Skip(history.Count - 4).ToList();
        var full = history.Skip(history.Count - 8).ToList();
        double difference = RandomGpt.LastLogits(lm, half).Zip(RandomGpt.LastLogits(lm, full), (a, b) => Math.Abs(a - b)).Max();
        Assert.True(difference > 1e-2, $"difference {difference}");
    }

    [Fact]
    public void DecodersRejectMisuse()
    {
        using var lm = RandomGpt.Create();
        using var decoder = lm.CreateDecoder();
        var logits = new float[2 * lm.Vocabulary.Size];
        Assert.Throws<InvalidOperationException>(() => decoder.Append([1], logits));
        Assert.Throws<ArgumentException>(() => decoder.Prefill([Array.Empty<int>()], logits));
        Assert.Throws<ArgumentOutOfRangeException>(() => decoder.Prefill([new[] { lm.Vocabulary.Size }], logits));
        decoder.Prefill([new[] { lm.SeparatorId }, new[] { lm.SeparatorId, 1 }], logits);
        Assert.Throws<ArgumentException>(() => decoder.Append([1], logits));
        Assert.Throws<ArgumentException>(() => decoder.Append([1, 2], new float[3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => decoder.Select([2]));
    }

    private static void Reselect(IStepDecoder decoder, List<List<int>> windows, int[] rows)
    {
        decoder.Select(rows);
        var copies = rows.Select(r => new List<int>(windows[r])).ToList();
        windows.Clear();
        windows.AddRange(copies);
    }

    // The largest difference from full recomputation, and the largest logit.
    private static (double Worst, double Largest) Compare(GptLanguageModel lm, List<List<int>> windows, float[] logits)
    {
        int width = lm.Vocabulary.Size;
        double worst = 0, largest = 0;
        for (int r = 0; r < windows.Count; r++)
        {
            var expected = RandomGpt.LastLogits(lm, windows[r]);
            for (int i = 0; i < width; i++)
            {
                worst = Math.Max(worst, Math.Abs(expected[i] - logits[r * width + i]));
                largest = Math.Max(largest, Math.Abs(expected[i]));
            }
        }
        return (worst, largest);
    }
}
