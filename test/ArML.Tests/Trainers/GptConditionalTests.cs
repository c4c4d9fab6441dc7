using ArML.Persistence;
using ArML.Tests.Support;
using ArML.Trainers;
using ArML.Trainers.Gpt;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace ArML.Tests.Trainers;

public class GptConditionalTests
{
    private sealed class LabeledRow
    {
        public string Text { get; set; } = "";
        public string Label { get; set; } = "";
    }

    private static (MLContext, IDataView, ITransformer) Data(params (string Text, string Label)[] rows)
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(rows.Select(r => new LabeledRow { Text = r.Text, Label = r.Label }));
        var prep = ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Append(ml.Transforms.Conversion.MapValueToKey("Class", "Label")).Fit(data);
        return (ml, data, prep);
    }

    private static GptTrainer.Options Conditional(int iterations)
    {
        var options = TinyGpt.Options(iterations);
        options.ConditionColumnName = "Class";
        options.BatchLayout = BatchLayout.RowAligned;
        options.TokenLogProbabilities = true;
        options.LearningRate = 1e-2;
        return options;
    }

    [Fact]
    public void TheModelLearnsTheContinuationOfEachConditionAndNeverScoresTheCondition()
    {
        var rows = Enumerable.Range(0, 20).SelectMany(_ => new[] { ("abab", "first"), ("cdcd", "second") }).ToArray();
        var (ml, data, prep) = Data(rows);
        using var model = ml.LanguageModeling().Trainers.Gpt(Conditional(150)).Fit(prep.Transform(data));

        var test = ml.Data.LoadFromEnumerable(new[]
        {
            new LabeledRow { Text = "abab", Label = "first" }, new LabeledRow { Text = "abab", Label = "second" },
            new LabeledRow { Text = "cdcd", Label = "second" },
        });
        var scored = model.Transform(prep.Transform(test));
        var scores = TinyGpt.Scores(scored);
        Assert.All(scores, s => Assert.Equal(5, s.TokenCount));   // 4 characters + the end; the condition is not counted
        Assert.True(scores[0].LogLikelihood > -0.5, $"P(abab | first) should be near 1: {scores[0].LogLikelihood}");
        Assert.True(scores[1].LogLikelihood < scores[0].LogLikelihood - 3, "the condition must matter");

        // The per-token column holds exactly the scored targets, summing to the row's log-likelihood.
        var column = scored.Schema["TokenLogProbabilities"];
        using var cursor = scored.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<double>>(column);
        VBuffer<double> values = default;
        int row = 0;
        while (cursor.MoveNext())
        {
            getter(ref values);
            Assert.Equal(5, values.Length);
            Assert.Equal(scores[row++].LogLikelihood, values.DenseValues().Sum(), 1e-9);
        }

        var ids = model.GenerateTokens([], maxNewTokens: 8, temperature: 0, condition: [1]);
        Assert.Equal("cdcd", model.Codec!.Decode(ids));
    }

    [Fact]
    public void ConditionalRotaryModelsRoundTripThroughSaveArml()
    {
        var (ml, data, prep) = Data(("abab", "first"), ("cdcd", "second"), ("ab", "first"));
        var options = Conditional(5);
        options.PositionEncoding = PositionEncoding.Rotary;
        using var gpt = ml.LanguageModeling().Trainers.Gpt(options).Fit(prep.Transform(data));
        var chain = new TransformerChain<ITransformer>(prep, gpt);
        using var stream = new MemoryStream();
        ml.Model.SaveArml(chain, data.Schema, stream);
        stream.Position = 0;
        var loaded = ml.Model.LoadArml(stream, out _);
        Assert.Equal(TinyGpt.Scores(chain.Transform(data)), TinyGpt.Scores(loaded.Transform(data)));
        foreach (var part in (IEnumerable<ITransformer>)loaded) (part as IDisposable)?.Dispose();
    }

    [Fact]
    public void AConditionColumnNeedsRowAlignedBatches()
    {
        var options = TinyGpt.Options();
        options.ConditionColumnName = "Class";
        Assert.Throws<ArgumentException>(() => new MLContext().LanguageModeling().Trainers.Gpt(options));
    }
}
