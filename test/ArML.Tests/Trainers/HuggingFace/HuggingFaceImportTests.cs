using ArML.Persistence;
using ArML.Tests.Support;
using ArML.Trainers;
using ArML.Trainers.Gpt;
using Microsoft.ML;
using Xunit;

namespace ArML.Tests.Trainers.HuggingFace;

/// <summary>Random GPT-2 checkpoints, written here in Hugging Face's layout, imported and scored against a float64 GPT-2.</summary>
public class HuggingFaceImportTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "arml-hf-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    internal sealed class TextRow
    {
        public string Text { get; set; } = "";
    }

    internal sealed class Scores
    {
        public double LogLikelihood { get; set; }
        public int TokenCount { get; set; }
    }

    internal static readonly string[] Texts = ["hello", "Q", "", "a somewhat longer row, over the window", "é€!"];

    public static TheoryData<string> Variants => ["plain", "bare-bf16-untied-gelu-buffers", "sharded-f16-relu-inner"];

    internal static RandomGpt2Checkpoint Checkpoint(string variant) => variant switch
    {
        "plain" => new RandomGpt2Checkpoint(),
        "bare-bf16-untied-gelu-buffers" => new RandomGpt2Checkpoint
            { Prefix = false, DType = "BF16", Tied = false, Activation = "gelu", AttentionBuffers = true, Epsilon = 0.05, Seed = 2 },
        _ => new RandomGpt2Checkpoint { Shards = 3, DType = "F16", Activation = "relu", Inner = 24, Heads = 4, Layers = 3, Seed = 3 },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void RowsScoreAsAFloat64Gpt2WithEndOfTextFraming(string variant)
    {
        var checkpoint = Checkpoint(variant);
        string directory = checkpoint.Write(Path.Combine(_root, variant));
        var ml = new MLContext(seed: 1);
        using var chain = ml.LanguageModeling().LoadHuggingFace(directory, new HuggingFaceOptions { ScoringStride = 8 });
        var data = ml.Data.LoadFromEnumerable(Texts.Select(t => new TextRow { Text = t }));
        var scores = ml.Data.CreateEnumerable<Scores>(chain.Transform(data), reuseRowObject: false).ToList();
        var reference = checkpoint.Reference();
        for (int r = 0; r < Texts.Length; r++)
        {
            // <|endoftext|> t1..tn <|endoftext|>, every target after the first position; rows beyond the 24 positions in windows.
            var framed = new[] { RandomGpt2Checkpoint.EndOfText }.Concat(RandomGpt2Checkpoint.Ids(Texts[r])).Append(RandomGpt2Checkpoint.EndOfText).ToArray();
            double expected = WindowedLogLikelihood(reference, framed, checkpoint.Positions, stride: 8);
            Assert.Equal(framed.Length - 1, scores[r].TokenCount);
            double tolerance = Float32Rounding.RowScore(framed.Length - 1, expected, checkpoint.Inner ?? 4 * checkpoint.Width, RandomGpt2Checkpoint.Vocabulary);
            Assert.True(Math.Abs(expected - scores[r].LogLikelihood) <= tolerance,
                $"row {r}: {scores[r].LogLikelihood} vs {expected} (tolerance {tolerance})");
        }
    }

    [Theory]
    [InlineData(true, false)]    // lm-evaluation-harness's rolling log-likelihood: TokenCount n
    [InlineData(false, true)]    // TokenCount n
    [InlineData(false, false)]   // Hugging Face's perplexity recipe: TokenCount max(0, n − 1)
    public void EndOfTextFramingIsConfigurableAndKeptBySaveArml(bool prepend, bool append)
    {
        var checkpoint = Checkpoint("plain");
        string directory = checkpoint.Write(Path.Combine(_root, "plain"));
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Texts.Select(t => new TextRow { Text = t }));
        using var chain = ml.LanguageModeling().LoadHuggingFace(directory,
            new HuggingFaceOptions { ScoringStride = 8, PrependEndOfText = prepend, AppendEndOfText = append });
        string file = Path.Combine(_root, "model.zip");
        ml.Model.SaveArml(chain, data.Schema, file);
        var loaded = ml.Model.LoadArml(file, out _);
        try
        {
            var reference = checkpoint.Reference();
            foreach (var model in new ITransformer[] { chain, loaded })
            {
                var scores = ml.Data.CreateEnumerable<Scores>(model.Transform(data), reuseRowObject: false).ToList();
                for (int r = 0; r < Texts.Length; r++)
                {
                    var ids = RandomGpt2Checkpoint.Ids(Texts[r]);
                    var framed = (prepend ? new[] { RandomGpt2Checkpoint.EndOfText } : []).Concat(ids)
                        .Concat(append ? new[] { RandomGpt2Checkpoint.EndOfText } : []).ToArray();
                    int n = ids.Length;   // the documented TokenCount: n + 1 framed at both ends, n at one, max(0, n − 1) at neither
                    Assert.Equal(prepend && append ? n + 1 : prepend || append ? n : Math.Max(0, n - 1), scores[r].TokenCount);
                    double expected = WindowedLogLikelihood(reference, framed, checkpoint.Positions, stride: 8);
                    double tolerance = Float32Rounding.RowScore(Math.Max(1, framed.Length - 1), expected, 4 * checkpoint.Width, RandomGpt2Checkpoint.Vocabulary);
                    Assert.True(Math.Abs(expected - scores[r].LogLikelihood) <= tolerance,
                        $"row {r}: {scores[r].LogLikelihood} vs {expected} (tolerance {tolerance})");
                }
            }
        }
        finally
        {
            (loaded as IDisposable)?.Dispose();
        }
    }

    /// <summary>Hugging Face's sliding-window perplexity: windows of the context advancing by the stride, each target once.</summary>
    internal static double WindowedLogLikelihood(Gpt2Reference reference, int[] ids, int context, int stride)
    {
        double total = 0;
        int scoredUpTo = 0;   // targets 1..scoredUpTo are done
        for (int begin = 0; scoredUpTo < ids.Length - 1; begin += stride)
        {
            int end = Math.Min(begin + context, ids.Length - 1);   // inputs begin..end-1 predict begin+1..end
            var window = ids[begin..(end + 1)];
            var logProbabilities = reference.TokenLogProbabilities(window);
            for (int target = Math.Max(scoredUpTo + 1, begin + 1); target <= end; target++) total += logProbabilities[target - begin - 1];
            scoredUpTo = end;
        }
        return total;
    }
}
