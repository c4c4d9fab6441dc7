using ArML.Persistence;
using ArML.Synthetic;
using ArML.Tests.Support;
using ArML.Trainers;
using ArML.Trainers.Generation;
using ArML.Trainers.Lstm;
using ArML.Trainers.NGram;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace ArML.Tests.Trainers.Generation;

/// <summary>
/// The <c>Generate</c> shortcuts without a seed draw successive seeds from the MLContext that fitted or loaded the
/// model: a context of the same seed repeats the whole sequence of texts, successive calls differ, and an explicit
/// seed still gives the generator's text.
/// </summary>
public class ShortcutSeedingTests
{
    private const string Prompt = "the ";
    private const int Length = 40;

    public static TheoryData<string> Families => new() { "gpt", "lstm", "ngram" };

    [Theory]
    [MemberData(nameof(Families))]
    public void AContextOfTheSameSeedRepeatsTheShortcutsSequence(string family)
    {
        var (firstModel, first) = FitAndGenerate(family, contextSeed: 11, explicitSeedBetween: false);
        var (secondModel, second) = FitAndGenerate(family, contextSeed: 11, explicitSeedBetween: true);
        try
        {
            // The second run asked for an explicit seed between its calls: the series continued where it was.
            Assert.Equal(first, second);
            // Three draws at temperature 1 from a barely trained model: equal texts would mean a repeated seed.
            Assert.Equal(3, first.Distinct().Count());
        }
        finally
        {
            Dispose(firstModel);
            Dispose(secondModel);
        }
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void AnExplicitSeedGivesTheGeneratorsText(string family)
    {
        var ml = new MLContext(seed: 4);
        var model = Fit(family, ml);
        try
        {
            var options = new GenerationOptions { Temperature = 1.0, MaxNewTokens = Length, Seed = 23 };
            string expected = ml.LanguageModeling().CreateTextGenerator(model).Generate(Prompt, options);
            Assert.Equal(expected, Generate(model, seed: 23));
            Assert.Equal(expected, Generate(model, seed: 23));   // the seed decides, not the series
        }
        finally
        {
            Dispose(model);
        }
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void ALoadedModelFollowsTheLoadContextsSeed(string family)
    {
        var ml = new MLContext(seed: 2);
        var model = Fit(family, ml);
        var file = new MemoryStream();
        ml.Model.SaveArml(model, Train(ml).Schema, file);
        Dispose(model);

        string[] LoadAndGenerate(ArmlLoadContext? context)
        {
            file.Position = 0;
            var loaded = new MLContext(seed: 99).Model.LoadArml(file, out _, context);
            try
            {
                return [Generate(loaded), Generate(loaded)];
            }
            finally
            {
                Dispose(loaded);
            }
        }

        var first = LoadAndGenerate(ArmlLoadContext.For(new MLContext(seed: 9)));
        Assert.Equal(first, LoadAndGenerate(ArmlLoadContext.For(new MLContext(seed: 9))));
        Assert.NotEqual(first[0], first[1]);
        // Another context seed starts another series (the weights are the file's, so only the seeds differ).
        Assert.NotEqual(first, LoadAndGenerate(ArmlLoadContext.For(new MLContext(seed: 10))));
    }

    [Fact]
    public void ForCopiesTheContextsDevice()
    {
        var ml = new MLContext { GpuDeviceId = 3, FallbackToCpu = false };
        var context = ArmlLoadContext.For(ml);
        Assert.Equal(3, context.GpuDeviceId);
        Assert.False(context.FallbackToCpu);
        Assert.Same(ml, context.SeedContext);
        Assert.Null(new ArmlLoadContext().SeedContext);
    }

    /// <summary>
    /// Fits in a fresh context of <paramref name="contextSeed"/> and takes three shortcut texts without a seed: from the
    /// model, from a copy of it (which continues the model's series) and from the model again.
    /// </summary>
    private static (ITransformer Model, string[] Texts) FitAndGenerate(string family, int contextSeed, bool explicitSeedBetween)
    {
        var model = Fit(family, new MLContext(seed: contextSeed));
        var texts = new string[3];
        texts[0] = Generate(model);
        if (explicitSeedBetween) Generate(model, seed: 5);
        texts[1] = ((IEnumerable<ITransformer>)model).Last() switch
        {
            LanguageModelTransformer lm => lm.WithScoringStride(1).Generate(Prompt, Length, 1.0),
            NGramTransformer ngram => ngram.WithAnomalyScoring((LanguageModelAnomalyScoring?)null).Generate(Prompt, Length, 1.0),
            var other => throw new InvalidOperationException(other.GetType().Name),
        };
        texts[2] = Generate(model);
        return (model, texts);
    }

    private static string Generate(ITransformer model, int? seed = null) => ((IEnumerable<ITransformer>)model).Last() switch
    {
        LanguageModelTransformer lm => lm.Generate(Prompt, Length, 1.0, seed),
        NGramTransformer ngram => ngram.Generate(Prompt, Length, 1.0, seed),
        var other => throw new InvalidOperationException(other.GetType().Name),
    };

    private static IDataView Train(MLContext ml) =>
        ml.Data.LoadFromEnumerable(MarkovTextSource.CreateDefault(seed: 1).Sample(60, seed: 3).Select(t => new TextRow { Text = t }));

    private static TransformerChain<ITransformer> Fit(string family, MLContext ml)
    {
        var trainers = ml.LanguageModeling().Trainers;
        var tokenize = ml.Transforms.Text.TokenizeCharacters("Tokens", "Text");
        IEstimator<ITransformer> trainer = family switch
        {
            "gpt" => trainers.Gpt(TinyGpt.Options(iterations: 3)),
            "lstm" => trainers.Lstm(new LstmTrainer.Options
            {
                LayerCount = 1, HiddenSize = 16, BatchSize = 4, SequenceLength = 16, MaxIterations = 3, WarmupIterations = 1,
            }),
            "ngram" => trainers.NGram(new NGramTrainer.Options { Order = 3 }),
            _ => throw new ArgumentOutOfRangeException(nameof(family)),
        };
        return tokenize.Append(trainer).Fit(Train(ml));
    }

    private static void Dispose(ITransformer model) =>
        (model as IEnumerable<ITransformer>)?.OfType<IDisposable>().ToList().ForEach(d => d.Dispose());
}
