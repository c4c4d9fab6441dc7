using ArML.Synthetic;
using ArML.Tests.Support;
using ArML.Tests.Transforms;
using ArML.Trainers;
using ArML.Trainers.Baseline;
using ArML.Trainers.Generation;
using ArML.Trainers.Gpt;
using ArML.Trainers.Lstm;
using ArML.Transforms.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace ArML.Tests.Core;

/// <summary>
/// Every vector column an ArML transform produces or passes through reads the same through ML.NET's GetColumn,
/// CreateEnumerable, PredictionEngine and a cursor whose caller keeps earlier rows' VBuffers.
/// </summary>
public class VectorColumnReadTests
{
    private static readonly MLContext Ml = new(seed: 1);
    // More rows than a tokenizer's batch (256) and many LM scoring batches (8): reuse across batches shows.
    private static readonly TextRow[] Rows = MarkovTextSource.CreateDefault(1).Sample(300, seed: 5).Select(t => new TextRow { Text = t }).ToArray();

    public static TheoryData<string> Tokenizers => new() { "characters", "words", "bpe", "gpt2" };

    private static IEstimator<ITransformer> Tokenizer(string kind) => kind switch
    {
        "characters" => Ml.Transforms.Text.TokenizeCharacters("Tokens", "Text"),
        "words" => Ml.Transforms.Text.TrainTokenizer("Tokens", "Text", new TokenizerTrainerOptions { Kind = TokenizerKind.Word }),
        "bpe" => Ml.Transforms.Text.TrainTokenizer("Tokens", "Text", new TokenizerTrainerOptions { VocabularySize = 300 }),
        _ => Ml.Transforms.Text.TokenizeToIds("Tokens", "Text", kind),
    };

    [Theory]
    [MemberData(nameof(Tokenizers))]
    public void TokenColumnsReadTheSameEveryWay(string kind)
    {
        var data = Ml.Data.LoadFromEnumerable(Rows);
        var tokenizer = Tokenizer(kind).Fit(data);
        // Independent: each row tokenized alone, in its own one-row view.
        var expected = Rows.Select(r => TokenizeHelpers.Ids(tokenizer.Transform(Ml.Data.LoadFromEnumerable([r])))[0]).ToArray();
        VectorColumnReads.AssertEveryWay<TextRow, uint>(Ml, tokenizer, Rows, "Tokens",
            (i, keys, _) => Assert.Equal(expected[i], keys.Select(k => (int)k - 1)));
    }

    public static TheoryData<string> Models => new() { "gpt", "lstm", "linear" };

    private static IEstimator<ITransformer> LanguageModel(string kind) => kind switch
    {
        "gpt" => Ml.LanguageModeling().Trainers.Gpt(new GptTrainer.Options
        {
            ContextLength = 16, LayerCount = 1, HeadCount = 2, EmbeddingSize = 16, BatchSize = 8, MaxIterations = 3,
            ScoringBatchSize = 8, TokenLogProbabilities = true,
        }),
        "lstm" => Ml.LanguageModeling().Trainers.Lstm(new LstmTrainer.Options
        {
            LayerCount = 1, HiddenSize = 16, BatchSize = 8, SequenceLength = 16, MaxIterations = 3, ScoringBatchSize = 8,
            TokenLogProbabilities = true,
        }),
        _ => Ml.LanguageModeling().Trainers.LinearBaseline(new LinearBaselineTrainer.Options
        {
            WindowSize = 4, EmbeddingSize = 16, BatchSize = 8, SequenceLength = 16, MaxIterations = 3, TokenLogProbabilities = true,
        }),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void TokenLogProbabilitiesAndPassedThroughTokensReadTheSameEveryWay(string kind)
    {
        var rows = Rows.Take(60).ToArray();
        var data = Ml.Data.LoadFromEnumerable(rows);
        var model = Ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Append(LanguageModel(kind)).Fit(data);
        try
        {
            // Independent: the scalar columns read with their own getters, for the rows scored in batches and for
            // each row scored alone (as a PredictionEngine scores it).
            var batched = TinyGpt.Scores(model.Transform(data));
            var alone = rows.Select(r => TinyGpt.Scores(model.Transform(Ml.Data.LoadFromEnumerable([r])))[0]).ToArray();
            VectorColumnReads.AssertEveryWay<TextRow, double>(Ml, model, rows, "TokenLogProbabilities", (i, values, rowAlone) =>
            {
                var expected = rowAlone ? alone[i] : batched[i];
                Assert.Equal(expected.TokenCount, values.Length);
                // Both are float64 sums of the same float64 values in the same order.
                Assert.Equal(expected.LogLikelihood, values.Sum(), 1e-9 * (1 + Math.Abs(expected.LogLikelihood)));
            });
            // The token column passes through the scoring step's read-ahead cache.
            var tokenizer = model.First();
            var expected = rows.Select(r => TokenizeHelpers.Ids(tokenizer.Transform(Ml.Data.LoadFromEnumerable([r])))[0]).ToArray();
            VectorColumnReads.AssertEveryWay<TextRow, uint>(Ml, model, rows, "Tokens",
                (i, keys, _) => Assert.Equal(expected[i], keys.Select(k => (int)k - 1)));
        }
        finally
        {
            ((IDisposable)model.LastTransformer).Dispose();
        }
    }

    public sealed class PromptRow
    {
        public string Prompt { get; set; } = "";
    }

    [Fact]
    public void SeveralGeneratedSequencesReadTheSameEveryWay()
    {
        var data = Ml.Data.LoadFromEnumerable(Rows.Take(60).ToArray());
        var model = Ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Append(LanguageModel("gpt")).Fit(data);
        try
        {
            var prompts = Rows.Take(40).Select((r, i) => new PromptRow { Prompt = r.Text[..Math.Min(r.Text.Length, i % 7)] }).ToArray();
            // Beam search is deterministic, so each prompt alone gives the same beams.
            var options = new GenerationOptions { MaxNewTokens = 6, BeamCount = 3, NumberOfSequences = 3 };
            var generator = Ml.LanguageModeling().CreateTextGenerator(model);
            var expected = prompts.Select(p => generator.Generate([p.Prompt], options).Select(s => s.Text).ToArray()).ToArray();
            var generation = Ml.LanguageModeling().Generate("Generated", "Prompt", model, options).Fit(Ml.Data.LoadFromEnumerable(prompts));
            VectorColumnReads.AssertEveryWay<PromptRow, ReadOnlyMemory<char>>(Ml, generation, prompts, "Generated",
                (i, texts, _) => Assert.Equal(expected[i], texts.Select(t => t.ToString())));
        }
        finally
        {
            ((IDisposable)model.LastTransformer).Dispose();
        }
    }
}
