using ArML.Transforms.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace ArML.Tests.Transforms;

public class CharacterTokenizerTests
{
    private sealed class TextRow
    {
        public string? Text { get; set; }
    }

    private sealed class NumberRow
    {
        public float Text { get; set; }
    }

    private static readonly MLContext Ml = new(seed: 0);

    private static IDataView Texts(params string?[] texts) => Ml.Data.LoadFromEnumerable(texts.Select(t => new TextRow { Text = t }));

    private static List<uint[]> Tokens(IDataView data)
    {
        var column = data.Schema["Tokens"];
        var result = new List<uint[]>();
        using var cursor = data.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<uint>>(column);
        VBuffer<uint> value = default;
        while (cursor.MoveNext())
        {
            getter(ref value);
            result.Add(value.DenseValues().ToArray());
        }
        return result;
    }

    [Fact]
    public void LearnsSortedCodePointsWithUnknownFirst()
    {
        var model = Ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Fit(Texts("cab", "b😀"));
        Assert.Equal(["<unk>", "a", "b", "c", "😀"], ((CharacterVocabulary)model.Vocabulary).Tokens);

        var output = model.Transform(Texts("abc😀", "zb", "", null));
        var keyType = (KeyDataViewType)((VectorDataViewType)output.Schema["Tokens"].Type).ItemType;
        Assert.Equal(5UL, keyType.Count);
        var tokens = Tokens(output);
        Assert.Equal([2u, 3u, 4u, 5u], tokens[0]);           // keys are ids + 1; the emoji is one token
        Assert.Equal([1u, 3u], tokens[1]);                   // 'z' was never seen: <unk>
        Assert.Empty(tokens[2]);
        Assert.Empty(tokens[3]);
    }

    [Fact]
    public void KeyValuesAnnotationHoldsTheVocabulary()
    {
        var output = Ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Fit(Texts("xy")).Transform(Texts("yx"));
        VBuffer<ReadOnlyMemory<char>> keyValues = default;
        output.Schema["Tokens"].Annotations.GetValue("KeyValues", ref keyValues);
        Assert.Equal(["<unk>", "x", "y"], keyValues.DenseValues().Select(v => v.ToString()));

        // ML.NET's own MapKeyToValue reads them back into characters.
        var values = Ml.Transforms.Conversion.MapKeyToValue("Chars", "Tokens").Fit(output).Transform(output);
        var column = values.Schema["Chars"];
        using var cursor = values.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<ReadOnlyMemory<char>>>(column);
        VBuffer<ReadOnlyMemory<char>> chars = default;
        Assert.True(cursor.MoveNext());
        getter(ref chars);
        Assert.Equal(["y", "x"], chars.DenseValues().Select(v => v.ToString()));
    }

    [Fact]
    public void UnpairedSurrogatesBecomeUnknownAndDecodeAsReplacement()
    {
        var vocabulary = new CharacterVocabulary("ab".Select(c => (int)c));
        var ids = new List<int>();
        vocabulary.Encode("a\uD800b", ids);
        Assert.Equal([1, CharacterVocabulary.UnknownTokenId, 2], ids);
        Assert.Equal("a\uFFFDb", vocabulary.Decode(ids.ToArray()));
    }

    [Fact]
    public void WrongOrMissingColumnsFailWithTheColumnName()
    {
        var numbers = Ml.Data.LoadFromEnumerable([new NumberRow { Text = 1 }]);
        var estimator = Ml.Transforms.Text.TokenizeCharacters("Tokens", "Text");
        var fitError = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(numbers));
        Assert.Contains("'Text'", fitError.Message);
        Assert.Contains("String", fitError.Message);

        var shapeError = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Ml.Transforms.Text.TokenizeCharacters("Tokens", "Missing").GetOutputSchema(ArML.Schema.SchemaShapeShim.Create(Texts("a").Schema)));
        Assert.Contains("'Missing'", shapeError.Message);
    }

    [Fact]
    public void OutputSchemaShapeIsAKeyVector()
    {
        var shape = Ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").GetOutputSchema(ArML.Schema.SchemaShapeShim.Create(Texts("a").Schema));
        var column = ArML.Schema.ColumnChecks.Find(shape, "Tokens")!.Value;
        Assert.True(column.IsKey);
        Assert.Equal(SchemaShape.Column.VectorKind.VariableVector, column.Kind);
    }
    [Fact]
    public void EncodesEveryKindOfCodePointAsDecodingRuneByRuneDoes()
    {
        // ASCII, BMP characters below and above the surrogates (so the fast table spans them), a supplementary one (a
        // surrogate pair), a special token.
        int[] codePoints = ['a', 'b', ' ', '\n', 0x00E9, 0x4E2D, 0xFF01, 0x1F600];
        var vocabulary = new CharacterVocabulary(codePoints, ["<s>"]);
        // Characters outside the vocabulary: below the table's end, above it, a pair not in it; unpaired surrogates.
        string[] pieces = ["a", "b", " ", "\n", "\u00e9", "\u4e2d", "\uff01", "\U0001F600", "z", "\u00e8", "\u9fa5", "\uff02", "\U0001F601", "\uD800", "\uDC00"];
        var random = new Random(3);
        for (int trial = 0; trial < 200; trial++)
        {
            string text = string.Concat(Enumerable.Range(0, random.Next(0, 40)).Select(_ => pieces[random.Next(pieces.Length)]));
            var ids = new List<int> { 42 };   // Encode appends
            vocabulary.Encode(text, ids);
            Assert.Equal(new[] { 42 }.Concat(Reference(text)), ids);
        }

        // One id a code point, by decoding runes (an unpaired surrogate, or a code point outside the vocabulary, is unknown).
        IEnumerable<int> Reference(string text)
        {
            for (int i = 0; i < text.Length;)
            {
                var status = System.Text.Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out int used);
                int at = status == System.Buffers.OperationStatus.Done ? Array.IndexOf(codePoints.Order().ToArray(), rune.Value) : -1;
                yield return at < 0 ? CharacterVocabulary.UnknownTokenId : 2 + at;   // after <unk> and <s>
                i += used;
            }
        }
    }
}
