using ArML.Tests.Support;
using ArML.Trainers.Density;
using ArML.Trainers.Gpt;
using ArML.Training;
using Microsoft.ML;
using Xunit;

namespace ArML.Tests.Trainers;

/// <summary>
/// Validation data given in the chain's input schema reaches the final ArML trainer through the earlier steps
/// (fitted on the training data only) with <c>chain.Fit(train, validation)</c>; a ValidationSet in the wrong schema
/// fails at Fit with the column named and that helper suggested.
/// </summary>
public class ChainValidationTests
{
    private static readonly string[] Corpus = ArML.Synthetic.MarkovTextSource.CreateDefault(1).Sample(80, seed: 8).ToArray();

    public sealed class AbcRow
    {
        public float A { get; set; }
        public float B { get; set; }
        public float C { get; set; }
    }

    private static IDataView Abc(MLContext ml, int rows, int seed)
    {
        var random = new Random(seed);
        return ml.Data.LoadFromEnumerable(Enumerable.Range(0, rows).Select(_ =>
        {
            float a = (float)random.NextDouble();
            return new AbcRow { A = a, B = 2 * a + 0.1f * (float)random.NextDouble(), C = (float)random.NextDouble() };
        }).ToArray());
    }

    private static MadeOptions Made(List<TrainingProgress> reports) => new()
    {
        Distribution = OutputDistribution.GaussianMixture, HiddenLayerSizes = [16], MaskCount = 2,
        MaxIterations = 30, BatchSize = 16, EvaluationInterval = 5, EvaluationBatches = 2, WarmupIterations = 5,
        EarlyStoppingPatience = 50, Seed = 3, Progress = new Recorder(reports.Add),
    };

    private static IDataView Texts(MLContext ml, IEnumerable<string> texts) => ml.Data.LoadFromEnumerable(texts.Select(t => new TextRow { Text = t }));

    [Fact]
    public void TheReadmeMadeSnippetSaysWhatToDo()
    {
        var ml = new MLContext(seed: 1);
        var options = Made([]);
        options.ValidationSet = Abc(ml, 50, seed: 2);   // in the chain's input schema: no "Features" yet
        var pipeline = ml.Transforms.Concatenate("Features", "A", "B", "C").Append(ml.DensityEstimation().Trainers.Made(options));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => pipeline.Fit(Abc(ml, 200, seed: 1)));
        Assert.Contains("'Features'", e.Message);
        Assert.Contains("chain.Fit(train, validation)", e.Message);
    }

    [Fact]
    public void MadeAfterConcatenateValidatesThroughTheChainExactlyAsOnPreparedData()
    {
        var ml = new MLContext(seed: 1);
        var train = Abc(ml, 200, seed: 1);
        var valid = Abc(ml, 50, seed: 2);

        var throughChain = new List<TrainingProgress>();
        var concatenate = ml.Transforms.Concatenate("Features", "A", "B", "C");
        using var chained = concatenate.Append(ml.DensityEstimation().Trainers.Made(Made(throughChain))).Fit(train, valid);

        // The independent path: prepare both sets by hand and give the trainer a ValidationSet in its own schema.
        var prepared = new List<TrainingProgress>();
        var fitted = concatenate.Fit(train);
        var options = Made(prepared);
        options.ValidationSet = fitted.Transform(valid);
        using var direct = ml.DensityEstimation().Trainers.Made(options).Fit(fitted.Transform(train));

        Assert.Equal(6, throughChain.Count);
        Assert.All(throughChain, p => Assert.NotNull(p.ValidationLoss));
        Assert.Equal(prepared.Select(p => p.ValidationLoss), throughChain.Select(p => p.ValidationLoss));
        Assert.Equal(direct.Threshold, chained.LastTransformer.Threshold);   // placed on the validation rows
    }

    [Fact]
    public void GptAfterATokenizerValidatesThroughTheChainAndStopsEarly()
    {
        var ml = new MLContext(seed: 1);
        // Train on one repeated line and validate on other text: validation loss soon rises as the model memorizes.
        var train = Texts(ml, Enumerable.Repeat("the fox sees a dog", 20));
        var valid = Texts(ml, Corpus[..30]);
        GptTrainer.Options Options(List<TrainingProgress> reports)
        {
            var o = TinyGpt.Options(iterations: 400);
            o.Seed = 2;
            o.EvaluationInterval = 10;
            o.EvaluationBatches = 4;
            o.EarlyStoppingPatience = 2;
            o.Progress = new Recorder(reports.Add);
            return o;
        }
        var tokenizer = ml.Transforms.Text.TokenizeCharacters("Tokens", "Text");
        var throughChain = new List<TrainingProgress>();
        using var chained = tokenizer.Append(ml.LanguageModeling().Trainers.Gpt(Options(throughChain))).Fit(train, valid);

        var prepared = new List<TrainingProgress>();
        var fitted = tokenizer.Fit(train);
        var options = Options(prepared);
        options.ValidationSet = fitted.Transform(valid);
        using var direct = ml.LanguageModeling().Trainers.Gpt(options).Fit(fitted.Transform(train));

        Assert.True(throughChain[^1].Iteration < 400, "validation loss should have stopped improving");
        Assert.Equal(prepared.Select(p => (p.Iteration, p.ValidationLoss)), throughChain.Select(p => (p.Iteration, p.ValidationLoss)));
    }

    [Fact]
    public void GptAfterATokenizerWithAValidationSetOfTextSaysWhatToDo()
    {
        var ml = new MLContext(seed: 1);
        var options = TinyGpt.Options(iterations: 5);
        options.ValidationSet = Texts(ml, Corpus[..10]);
        var pipeline = ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Append(ml.LanguageModeling().Trainers.Gpt(options));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => pipeline.Fit(Texts(ml, Corpus)));
        Assert.Contains("'Tokens'", e.Message);
        Assert.Contains("chain.Fit(train, validation)", e.Message);
    }

    [Fact]
    public void EarlyStoppingWithoutValidationDataFailsAtFitNamingBothWays()
    {
        var ml = new MLContext(seed: 1);
        var options = TinyGpt.Options(iterations: 5);
        options.EarlyStoppingPatience = 2;
        var pipeline = ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Append(ml.LanguageModeling().Trainers.Gpt(options));
        var e = Assert.Throws<ArgumentException>(() => pipeline.Fit(Texts(ml, Corpus)));
        Assert.Contains("ValidationSet", e.Message);
        Assert.Contains("chain.Fit(train, validation)", e.Message);
    }

    [Fact]
    public void ACacheCheckpointThatWouldServeTrainingRowsIsRefused()
    {
        var ml = new MLContext(seed: 1);
        var pipeline = ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").AppendCacheCheckpoint(ml)
            .Append(ml.LanguageModeling().Trainers.Gpt(TinyGpt.Options(iterations: 5)));
        var e = Assert.Throws<InvalidOperationException>(() => pipeline.Fit(Texts(ml, Corpus), Texts(ml, Corpus[..10])));
        Assert.Contains("cache", e.Message);
    }

    [Fact]
    public void ValidationDataWithOtherColumnsIsNamed()
    {
        var ml = new MLContext(seed: 1);
        var pipeline = ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Append(ml.LanguageModeling().Trainers.Gpt(TinyGpt.Options(iterations: 5)));
        var e = Assert.Throws<ArgumentException>(() => pipeline.Fit(Texts(ml, Corpus), Abc(ml, 5, seed: 1)));
        Assert.Contains("'Text'", e.Message);
    }

    private sealed class Recorder(Action<TrainingProgress> onReport) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => onReport(value);
    }
}
