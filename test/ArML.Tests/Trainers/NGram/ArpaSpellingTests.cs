using ArML.Tests.Support;
using ArML.Trainers.NGram;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace ArML.Tests.Trainers.NGram;

/// <summary>Every key of a column gets its own ARPA word, so n-gram models train on any key column.</summary>
public class ArpaSpellingTests
{
    private static string[] MlNetCharacterKeyValues()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new TextRow { Text = "a" } });
        var column = ml.Transforms.Text.TokenizeIntoCharactersAsKeys("Tokens", "Text").Fit(data).Transform(data).Schema["Tokens"];
        VBuffer<ReadOnlyMemory<char>> values = default;
        column.GetKeyValues(ref values);
        return values.DenseValues().Select(v => v.ToString()).ToArray();
    }

    [Fact]
    public void EveryMlNetCharacterKeySpellsItsOwnWord()
    {
        var keyValues = MlNetCharacterKeyValues();
        Assert.Equal(65_535, keyValues.Length);
        Assert.True(keyValues.Distinct().Count() < keyValues.Length);   // ML.NET shows all surrogate halves alike
        var words = ArpaWords.OfKeys(keyValues.Length, keyValues, "Tokens");
        Assert.Equal(words.Length, words.Distinct(StringComparer.Ordinal).Count());
        // Key k is code unit k, spelled by the character itself: white space escaped, surrogate halves as code points.
        Assert.Equal("<sp>", words[' ' - 1]);
        Assert.Equal("<nl>", words['\n' - 1]);
        Assert.Equal("a", words['a' - 1]);
        Assert.Equal("<U+D800>", words[0xD800 - 1]);
        Assert.Equal("<U+DFFF>", words[0xDFFF - 1]);
        Assert.All(words, w => Assert.DoesNotContain(w, c => char.IsWhiteSpace(c) || char.IsSurrogate(c)));
    }

    [Fact]
    public void KeysThatCannotSpellThemselvesUniquelyGetTheirKeyNumber()
    {
        // Equal values, a value reading like an escape, the sentence markers, and a value that looks like the fallback.
        string[] values = ["x", "x", " ", "<sp>", "<s>", "</s>", "<key:2>", "<unk>", "<unk>", "\uD83D\uDE00"];
        var words = ArpaWords.OfKeys(values.Length, values, "Tokens");
        Assert.Equal(["x", "<key:2>", "<sp>", "<key:4>", "<key:5>", "<key:6>", "<key:7>", "<unk>", "<key:9>", "\uD83D\uDE00"], words);
    }
}
