using ArML.Persistence;
using ArML.Tests.Support;
using ArML.Trainers;
using ArML.Trainers.Generation;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace ArML.Tests.Trainers.Generation;

/// <summary>The pipeline transform over a prompt column.</summary>
[Collection(GenerationCollection.Name)]
public class TextGenerationTransformTests(TinyGpt fixture)
{
    public sealed class PromptRow
    {
        public string Prompt { get; set; } = "";
    }

    public sealed class GeneratedRow
    {
        public string Prompt { get; set; } = "";
        public string Generated { get; set; } = "";
    }

    private static readonly string[] Prompts = ["the ", "", "a dog sees the red fox", "my ", "the ", "the ", "the ", "zz"];

    [Fact]
    public void EachRowGetsWhatTheGeneratorGivesItsPrompt()
    {
        var data = new CountingDataView(Data(Prompts));
        var greedy = new GenerationOptions { Temperature = 0, MaxNewTokens = 20 };
        var transformer = fixture.Ml.LanguageModeling().Generate("Generated", "Prompt", fixture.Model, greedy).Fit(data);
        var output = transformer.Transform(data);
        Assert.Equal(0, data.RowsRead);   // lazy: nothing read until a cursor moves
        Assert.Equal(TextDataViewType.Instance, output.Schema["Generated"].Type);

        var generator = fixture.Ml.LanguageModeling().CreateTextGenerator(fixture.Model);
        var rows = fixture.Ml.Data.CreateEnumerable<GeneratedRow>(output, reuseRowObject: false).ToList();
        Assert.Equal(Prompts, rows.Select(r => r.Prompt));
        Assert.Equal(Prompts.Select(p => generator.Generate(p, greedy)), rows.Select(r => r.Generated));

        var engine = fixture.Ml.Model.CreatePredictionEngine<PromptRow, GeneratedRow>(transformer);
        Assert.Equal(generator.Generate("my ", greedy), engine.Predict(new PromptRow { Prompt = "my " }).Generated);
    }

    [Fact]
    public void SampledRowsAreRepeatableAndDrawnPerRow()
    {
        var data = Data(Prompts);
        var options = new GenerationOptions { MaxNewTokens = 30, Seed = 4 };
        var output = fixture.Ml.LanguageModeling().Generate("Generated", "Prompt", fixture.Model, options).Fit(data).Transform(data);
        var first = Texts(output);
        Assert.Equal(first, Texts(output));   // a second cursor reads the same text
        var sameSeed = fixture.Ml.LanguageModeling().Generate("Generated", "Prompt", fixture.Model, options).Fit(data).Transform(data);
        Assert.Equal(first, Texts(sameSeed));
        // Rows 0, 4, 5 and 6 share a prompt but not a seed.
        Assert.True(new[] { first[0], first[4], first[5], first[6] }.Distinct().Count() >= 2, string.Join(" | ", first));
    }

    [Fact]
    public void SeveralSequencesFillAVectorColumn()
    {
        var data = Data(["the ", "a "]);
        var options = new GenerationOptions { MaxNewTokens = 15, Seed = 2, NumberOfSequences = 3 };
        var output = fixture.Ml.LanguageModeling().Generate("Generated", "Prompt", fixture.Model, options).Fit(data).Transform(data);
        Assert.Equal(new VectorDataViewType(TextDataViewType.Instance, 3), output.Schema["Generated"].Type);
        var column = output.Schema["Generated"];
        using var cursor = output.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<ReadOnlyMemory<char>>>(column);
        VBuffer<ReadOnlyMemory<char>> value = default;
        int rows = 0;
        while (cursor.MoveNext())
        {
            getter(ref value);
            Assert.Equal(3, value.Length);
            rows++;
        }
        Assert.Equal(2, rows);
    }

    [Fact]
    public void WrongOrMissingPromptColumnsFailUpFront()
    {
        var numbers = fixture.Ml.Data.LoadFromEnumerable(new[] { new NumberRow { Prompt = 1 } });
        var estimator = fixture.Ml.LanguageModeling().Generate("Generated", "Prompt", fixture.Model);
        var wrongType = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(numbers));
        Assert.Contains("'Prompt'", wrongType.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(SchemaShapeOf(numbers)));
        var missing = Assert.Throws<ArgumentOutOfRangeException>(() =>
            fixture.Ml.LanguageModeling().Generate("Generated", "Question", fixture.Model).Fit(Data(["a"])));
        Assert.Contains("'Question'", missing.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            fixture.Ml.LanguageModeling().Generate("Generated", "Prompt", fixture.Model, new GenerationOptions { Temperature = -1 }));
    }

    [Fact]
    public void TheStepAppendsToAPipelineButIsNotSaved()
    {
        var data = Data(["the "]);
        var pipeline = fixture.Ml.Transforms.CopyColumns("Question", "Prompt")
            .Append(fixture.Ml.LanguageModeling().Generate("Answer", "Question", fixture.Model, new GenerationOptions { Temperature = 0, MaxNewTokens = 5 }));
        var model = pipeline.Fit(data);
        var answer = model.Transform(data).GetColumn<string>("Answer").Single();
        Assert.Equal(fixture.Ml.LanguageModeling().CreateTextGenerator(fixture.Model).Generate("the ", new GenerationOptions { Temperature = 0, MaxNewTokens = 5 }), answer);
        var e = Assert.Throws<NotSupportedException>(() => fixture.Ml.Model.SaveArml(model, data.Schema, new MemoryStream()));
        Assert.Contains("text generation step", e.Message);
    }

    [Fact]
    public void ConditionalModelsReadTheirConditionColumn()
    {
        // A seed whose random model continues the same prompt differently under different conditions (asserted below),
        // so that reading the wrong condition would change the output.
        var lm = RandomGpt.Create(tokens: 8, context: 8, conditions: 3, seed: 11, scale: 8);   // the transformer owns it
        string[] characters = ["a", "b", "c", "d", "e", "f", "g", "h"];
        using var languageModel = new LanguageModelTransformer(lm, new LanguageModelColumns("Tokens", "Class"), characters, 8, 4);
        var ml = new MLContext(seed: 1);
        var rows = new[] { ("bc", "x"), ("bc", "z"), ("", "y"), ("ah", "x") }.Select(r => new LabeledPrompt { Prompt = r.Item1, Label = r.Item2 }).ToArray();
        var data = ml.Transforms.Conversion.MapValueToKey("Class", "Label").Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));
        var greedy = new GenerationOptions { Temperature = 0, MaxNewTokens = 10 };
        var generated = ml.LanguageModeling().Generate("Generated", "Prompt", languageModel, greedy).Fit(data).Transform(data).GetColumn<string>("Generated").ToArray();

        var tokens = new TokenGenerator(lm, languageModel.Codec);
        int[] classOf = [0, 1, 2, 0];   // keys in order of appearance: x, z, y
        var expected = rows.Select((r, i) => tokens.Generate(r.Prompt.Select(ch => ch - 'a').ToArray(), greedy, [classOf[i]]).Single().Text).ToArray();
        Assert.Equal(expected, generated);
        Assert.NotEqual(generated[0], generated[1]);   // same prompt, another condition
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.LanguageModeling().Generate("Generated", "Prompt", languageModel).Fit(ml.Data.LoadFromEnumerable(rows)));
    }

    private sealed class LabeledPrompt
    {
        public string Prompt { get; set; } = "";
        public string Label { get; set; } = "";
    }

    private IDataView Data(IEnumerable<string> prompts) =>
        fixture.Ml.Data.LoadFromEnumerable(prompts.Select(p => new PromptRow { Prompt = p }).ToArray());

    private static string[] Texts(IDataView output) => output.GetColumn<string>("Generated").ToArray();

    private static SchemaShape SchemaShapeOf(IDataView data) => ArML.Schema.SchemaShapeShim.Create(data.Schema);

    private sealed class NumberRow
    {
        public float Prompt { get; set; }
    }
}
