using ArML.Persistence;
using ArML.Tests.Support;
using ArML.Trainers;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace ArML.Tests.Core.Persistence;

public class MixedChainRoundTripTests(TinyGpt fixture) : IClassFixture<TinyGpt>
{
    private sealed class Row
    {
        public string Text { get; set; } = "";
        public float Weight { get; set; }
    }

    private IDataView Data(params string[] texts) =>
        fixture.Ml.Data.LoadFromEnumerable(texts.Select((t, i) => new Row { Text = t, Weight = i }));

    [Fact]
    public void AChainOfMlNetAndArmlTransformersRoundTripsWithIdenticalOutputs()
    {
        var ml = fixture.Ml;
        var train = Data("The fox sees a dog", "A Cat likes the boat", "my bird finds that horse");
        // ML.NET (normalize text) -> ArML (tokenize) -> ML.NET (concatenate) -> ArML (GPT) -> ML.NET (copy columns)
        var normalize = ml.Transforms.Text.NormalizeText("Text", "Text", keepDiacritics: true).Fit(train);
        var concatenate = ml.Transforms.Concatenate("Features", "Weight").Fit(fixture.Tokenizer.Transform(normalize.Transform(train)));
        var copy = ml.Transforms.CopyColumns("Score", "LogLikelihood").Fit(fixture.Gpt.Transform(concatenate.Transform(fixture.Tokenizer.Transform(normalize.Transform(train)))));
        var chain = new TransformerChain<ITransformer>(normalize, fixture.Tokenizer, concatenate, fixture.Gpt, copy);

        string path = Path.Combine(Path.GetTempPath(), $"arml-mixed-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.SaveArml(chain, train.Schema, path);
            var loaded = ml.Model.LoadArml(path, out var inputSchema);
            Assert.Equal(train.Schema.Select(c => (c.Name, c.Type)), inputSchema.Select(c => (c.Name, c.Type)));

            var test = Data("the fox likes my red boat", "", "a dog sees the cat again and again and again and the bird");
            var expected = TinyGpt.Scores(chain.Transform(test));
            var actual = TinyGpt.Scores(loaded.Transform(test));
            Assert.Equal(expected, actual);
            Assert.Equal(ReadScores(chain.Transform(test)), ReadScores(loaded.Transform(test)));
            Assert.Equal(TinyGpt.TokenIds(chain.Transform(test)), TinyGpt.TokenIds(loaded.Transform(test)));
            foreach (var part in (IEnumerable<ITransformer>)loaded) (part as IDisposable)?.Dispose();
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void MlNetsOwnSaveRefusesArmlComponentsAndNamesSaveArml()
    {
        var error = Record.Exception(() =>
        {
            using var stream = new MemoryStream();
            fixture.Ml.Model.Save(fixture.Model, fixture.Train.Schema, stream);
        });
        Assert.NotNull(error);
        var notSupported = Flatten(error).OfType<NotSupportedException>().FirstOrDefault();
        Assert.NotNull(notSupported);
        Assert.Contains("SaveArml", notSupported.Message);
    }

    private static List<double> ReadScores(IDataView data)
    {
        var column = data.Schema["Score"];
        var values = new List<double>();
        using var cursor = data.GetRowCursor([column]);
        var getter = cursor.GetGetter<double>(column);
        double value = 0;
        while (cursor.MoveNext())
        {
            getter(ref value);
            values.Add(value);
        }
        return values;
    }

    private static IEnumerable<Exception> Flatten(Exception e)
    {
        for (Exception? x = e; x != null; x = x.InnerException) yield return x;
    }
}
