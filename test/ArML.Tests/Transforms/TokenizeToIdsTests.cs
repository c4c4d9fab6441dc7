using ArML.Tests.Support;
using ArML.Transforms.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Tokenizers;
using Xunit;
using static ArML.Tests.Transforms.TokenizeHelpers;

namespace ArML.Tests.Transforms;

public class TokenizeToIdsTests
{
    private sealed class NumberRow
    {
        public float Text { get; set; }
    }

    private static Tokenizer Microsofts(string encoding) => encoding switch
    {
        "gpt2" => TiktokenTokenizer.CreateForModel("gpt2"),
        "o200k_base" => TiktokenTokenizer.CreateForModel("gpt-4o"),
        _ => TiktokenTokenizer.CreateForEncoding(encoding),
    };

    [SkippableTheory]
    [InlineData("gpt2")]
    [InlineData("r50k_base")]
    [InlineData("cl100k_base")]
    [InlineData("o200k_base")]
    public void IdsEqualMicrosoftsOwnOnThousandsOfLines(string encoding)
    {
        var lines = File.ReadLines(SharedData.PathOrSkip("data/tinyshakespeare.txt")).Take(12_000).ToList();
        var microsoft = Microsofts(encoding);
        var output = Ml.Transforms.Text.TokenizeToIds("Tokens", "Text", encoding).Fit(Texts(lines)).Transform(Texts(lines));
        var actual = Ids(output);
        Assert.Equal(lines.Count, actual.Count);
        for (int i = 0; i < lines.Count; i++)
            Assert.True(microsoft.EncodeToIds(lines[i]).SequenceEqual(actual[i]), $"line {i}: {lines[i]}");
        Assert.True(actual.Sum(a => a.Length) > 50_000);

        var key = (KeyDataViewType)((VectorDataViewType)output.Schema["Tokens"].Type).ItemType;
        Assert.Equal((ulong)TiktokenVocabulary.Get(encoding).VocabularySize, key.Count);
    }

    [Fact]
    public void KeyValuesAreByteLevelTokenStringsThatMapKeyToValueShows()
    {
        var output = Ml.Transforms.Text.TokenizeToIds("Tokens", "Text", "gpt2").Fit(Texts(["x"])).Transform(Texts(["Hello world<|endoftext|>"]));
        var values = Ml.Transforms.Conversion.MapKeyToValue("Strings", "Tokens").Fit(output).Transform(output);
        var column = values.Schema["Strings"];
        using var cursor = values.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<ReadOnlyMemory<char>>>(column);
        VBuffer<ReadOnlyMemory<char>> strings = default;
        Assert.True(cursor.MoveNext());
        getter(ref strings);
        // Text is ordinary text: "<|endoftext|>" in a row is not the special token.
        var shown = strings.DenseValues().Select(s => s.ToString()).ToList();
        Assert.Equal(["Hello", "Ġworld", "<"], shown.Take(3));
        Assert.DoesNotContain("<|endoftext|>", shown);
        Assert.Equal("Hello world<|endoftext|>", string.Concat(shown).Replace('Ġ', ' '));
        Assert.Equal(50257, TiktokenVocabulary.Get("gpt2").VocabularySize);
        Assert.Equal("<|endoftext|>", TiktokenVocabulary.Get("gpt2").GetToken(50256));
        Assert.Equal("<|unused:100256|>", TiktokenVocabulary.Get("cl100k_base").GetToken(100256));
    }

    [Fact]
    public void MicrosoftsTiktokenTokenizerIsReplacedByArmlsExactEquivalent()
    {
        var estimator = Ml.Transforms.Text.TokenizeToIds("Tokens", "Text", TiktokenTokenizer.CreateForModel("gpt-4o"));
        var transformer = estimator.Fit(Texts(["a"]));
        Assert.Same(TiktokenVocabulary.Get("o200k_base"), transformer.Vocabulary);
        Assert.Equal(TiktokenVocabulary.Get("o200k_base").Encode("𝐤𝐈'll"), Ids(transformer.Transform(Texts(["𝐤𝐈'll"])))[0]);

        var custom = TiktokenTokenizer.CreateForModel("gpt2", new Dictionary<string, int> { ["<|custom|>"] = 50257 });
        var error = Assert.Throws<ArgumentException>(() => Ml.Transforms.Text.TokenizeToIds("Tokens", "Text", custom));
        Assert.Contains("TiktokenVocabulary.Get", error.Message);
    }

    [Fact]
    public void BeginAndEndTokensAndTruncation()
    {
        var vocabulary = TiktokenVocabulary.Get("gpt2");
        const int eot = 50256;
        var text = "one two three four five six";
        var plain = vocabulary.Encode(text).ToArray();
        Assert.Equal(6, plain.Length);
        var options = new TokenizeOptions { BeginOfSequenceToken = "<|endoftext|>", EndOfSequenceToken = "<|endoftext|>" };
        Assert.Equal([eot, .. plain, eot], Tokenize(vocabulary, [text], options)[0]);
        Assert.Equal([eot, eot], Tokenize(vocabulary, [null], options)[0]);
        Assert.Empty(Tokenize(vocabulary, [""])[0]);

        options.MaximumTokenCount = 5;
        Assert.Equal([eot, plain[0], plain[1], plain[2], eot], Tokenize(vocabulary, [text], options)[0]);
        options.Truncation = TruncationPolicy.KeepEnd;
        Assert.Equal([eot, plain[3], plain[4], plain[5], eot], Tokenize(vocabulary, [text], options)[0]);
        options.EndOfSequenceToken = null;
        Assert.Equal([eot, plain[2], plain[3], plain[4], plain[5]], Tokenize(vocabulary, [text], options)[0]);

        options.Truncation = TruncationPolicy.Error;
        var error = Assert.Throws<InvalidOperationException>(() => Tokenize(vocabulary, ["short", text], options));
        Assert.Contains("Row 1 of column 'Text'", error.Message);

        Assert.Throws<ArgumentException>(() => Ml.Transforms.Text.TokenizeToIds("Tokens", "Text", vocabulary,
            new TokenizeOptions { BeginOfSequenceToken = "<s>" }));
        Assert.Throws<ArgumentException>(() => Ml.Transforms.Text.TokenizeToIds("Tokens", "Text", vocabulary,
            new TokenizeOptions { BeginOfSequenceToken = "<|endoftext|>", EndOfSequenceToken = "<|endoftext|>", MaximumTokenCount = 2 }));
    }

    [Fact]
    public void UnpairedSurrogatesAreReplacedOrRejectedByOption()
    {
        var vocabulary = TiktokenVocabulary.Get("cl100k_base");
        Assert.Equal(vocabulary.Encode("a\uFFFDb"), Tokenize(vocabulary, ["a\uD800b"])[0]);
        var error = Assert.Throws<InvalidOperationException>(() =>
            Tokenize(vocabulary, ["fine", "x\uDC00"], new TokenizeOptions { UnpairedSurrogates = UnpairedSurrogatePolicy.Error }));
        Assert.Contains("Row 1 of column 'Text'", error.Message);
        Assert.Contains("U+DC00 at position 1", error.Message);
    }

    [Fact]
    public void ParallelBatchesGiveTheSameIdsAndReportTheEarliestError()
    {
        var vocabulary = TiktokenVocabulary.Get("o200k_base");
        // Each line lengthened so that every batch of 256 rows has text for four threads (a thread takes 4,096 characters
        // of a subword vocabulary's text at least).
        var lines = TokenizerFixtures.Corpus.Lines.Select(l => l + " " + new string('x', 64)).ToArray();
        var sequential = Tokenize(vocabulary, lines, new TokenizeOptions { MaximumDegreeOfParallelism = 1 });
        var parallel = Tokenize(vocabulary, lines, new TokenizeOptions { MaximumDegreeOfParallelism = 4 });
        Assert.Equal(sequential, parallel);
        Assert.Equal(lines.Select(l => vocabulary.Encode(l).ToArray()), parallel);

        var broken = lines.Take(256).ToArray();
        broken[200] = "late \uD800";
        broken[40] = "early \uDC00";
        var error = Assert.Throws<InvalidOperationException>(() =>
            Tokenize(vocabulary, broken, new TokenizeOptions { MaximumDegreeOfParallelism = 4, UnpairedSurrogates = UnpairedSurrogatePolicy.Error }));
        Assert.Contains("Row 40 of column 'Text'", error.Message);
    }

    [Fact]
    public void UnknownTextMapsToUnknownOrFailsByOption()
    {
        var words = new WordVocabulary(["hello", "world", "!"]);
        Assert.Equal([1, 3, 0, 2], Tokenize(words, ["hello! there world"])[0]);
        var error = Assert.Throws<InvalidOperationException>(() =>
            Tokenize(words, ["hello", "hello there"], new TokenizeOptions { UnknownTokens = UnknownTokenPolicy.Error }));
        Assert.Contains("Row 1 of column 'Text'", error.Message);
        Assert.Contains("token 1 is unknown", error.Message);
    }

    [Fact]
    public void WrongColumnTypesFailAtFitAndGetOutputSchema()
    {
        var numbers = Ml.Data.LoadFromEnumerable([new NumberRow { Text = 1 }]);
        var estimator = Ml.Transforms.Text.TokenizeToIds("Tokens", "Text", "gpt2");
        var fitError = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(numbers));
        Assert.Contains("'Text'", fitError.Message);
        var shapeError = Assert.Throws<ArgumentOutOfRangeException>(() =>
            estimator.GetOutputSchema(ArML.Schema.SchemaShapeShim.Create(numbers.Schema)));
        Assert.Contains("'Text'", shapeError.Message);
        var trainError = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Ml.Transforms.Text.TrainTokenizer("Tokens", "Text", new TokenizerTrainerOptions()).Fit(numbers));
        Assert.Contains("'Text'", trainError.Message);
    }

    [Fact]
    public void TheTransformIsLazyAndWorksInAPredictionEngine()
    {
        var counting = new CountingDataView(Texts(["a b c", "d e"]));
        var transformer = Ml.Transforms.Text.TokenizeToIds("Tokens", "Text", "gpt2").Fit(counting);
        var output = transformer.Transform(counting);
        Assert.Equal(0, counting.CursorsOpened);
        Assert.Equal(2, Ids(output).Count);

        var engine = Ml.Model.CreatePredictionEngine<TextInput, TokenRow>(transformer);
        var keys = engine.Predict(new TextInput { Text = "hello world" }).Tokens;
        Assert.Equal(TiktokenVocabulary.Get("gpt2").Encode("hello world").Select(id => (uint)id + 1), keys);
    }

    [Fact]
    public void TheOutputWorksWithMlNetsOwnDataOperations()
    {
        var data = Texts(["hello world", "", null]);
        var output = Ml.Transforms.Text.TokenizeToIds("Tokens", "Text", "gpt2").Fit(data).Transform(data);
        var preview = output.Preview();
        Assert.Equal(3, preview.RowView.Length);

        string path = Path.Combine(Path.GetTempPath(), $"arml-tokens-{Guid.NewGuid():N}.idv");
        try
        {
            using (var file = File.Create(path)) Ml.Data.SaveAsBinary(output, file, keepHidden: false);
            var reloaded = Ml.Data.LoadFromBinary(path);
            Assert.Equal(Ids(output), Ids(reloaded));
            // The key values travel with the file; the in-memory codec annotation does not, so decoding names the vocabulary.
            Assert.NotNull(reloaded.Schema["Tokens"].Annotations.Schema.GetColumnOrNull("KeyValues"));
            var decoded = Ml.Transforms.Text.DecodeTokens("Decoded", "Tokens", TiktokenVocabulary.Get("gpt2")).Fit(reloaded).Transform(reloaded);
            Assert.Equal(["hello world", "", ""], Strings(decoded, "Decoded"));
            var mismatch = Assert.Throws<ArgumentOutOfRangeException>(() =>
                Ml.Transforms.Text.DecodeTokens("Decoded", "Tokens", TiktokenVocabulary.Get("cl100k_base")).Fit(reloaded));
            Assert.Contains("'Tokens'", mismatch.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    public sealed class TokenRow
    {
        [KeyType(50257)]
        public uint[] Tokens { get; set; } = [];
    }
}
