using ArML.Trainers.NGram;
using Microsoft.ML;
using Xunit;
using static ArML.Tests.Trainers.NGram.NGramFixtures;

namespace ArML.Tests.Trainers.NGram;

public class ArpaTests
{
    private readonly MLContext _ml = new(seed: 1);

    [Fact]
    public void ExportedArpaScoresIdenticallyAfterReimport()
    {
        var rows = MarkovRows(80, seed: 7);
        var chain = Train(_ml, rows, new NGramTrainer.Options { Order = 4 });
        var trained = chain.LastTransformer;
        var writer = new StringWriter();
        trained.ExportArpa(writer);
        string arpa = writer.ToString();

        string path = Path.Combine(Path.GetTempPath(), $"arml-{Guid.NewGuid():N}.arpa");
        try
        {
            File.WriteAllText(path, arpa);
            var tokenized = chain.First().Transform(ToDataView(_ml, MarkovRows(30, seed: 8).Append("zz?!")));
            var reloaded = _ml.LanguageModeling().LoadArpa(path, tokenized.Schema["Tokens"]);

            var expected = ArML.Tests.Support.TinyGpt.Scores(trained.Transform(tokenized));
            var actual = ArML.Tests.Support.TinyGpt.Scores(reloaded.Transform(tokenized));
            Assert.Equal(expected, actual);                 // bit for bit: floats are written as their shortest exact text
            Assert.Contains(expected, s => s.TokenCount > 10);
            for (int k = 1; k <= 4; k++) Assert.Equal(trained.Model.NGramCount(k), reloaded.Model.NGramCount(k));

            var again = new StringWriter();
            reloaded.ExportArpa(again);
            Assert.Equal(arpa, again.ToString());
        }
        finally
        {
            File.Delete(path);
        }
        Assert.StartsWith("\n\\data\\\nngram 1=", arpa);
        Assert.Contains("\n-99\t<s>\t", arpa);
        Assert.Contains("<sp>", arpa);                      // the space character, spelled as KenLM users write it
        Assert.EndsWith("\\end\\\n", arpa);
    }

    /// <summary>
    /// An SRILM-style file: spaces between fields, no &lt;unk&gt;, and a trigram "b a &lt;/s&gt;" whose prefix "b a" is missing.
    /// </summary>
    private const string ForeignArpa = """

        \data\
        ngram 1=4
        ngram 2=2
        ngram 3=2
        \1-grams:
        -99 <s> -0.3
        -0.5 a -0.2
        -0.6 b -0.1
        -0.4 </s>

        \2-grams:
        -0.25 <s> a -0.15
        -0.35 a b

        \3-grams:
        -0.05 <s> a b
        -0.1 b a </s>

        \end\
        """;

    [Fact]
    public void AFileFromAnotherToolkitScoresByTheBackoffDefinition()
    {
        var model = ArpaReader.Read(new StringReader(ForeignArpa));
        string path = WriteTemp(ForeignArpa);
        NGramTransformer scorer;
        try
        {
            scorer = _ml.LanguageModeling().LoadArpa(path, "Tokens", ["<unk>", "a", "b", "c"]);
        }
        finally
        {
            File.Delete(path);
        }
        Assert.Equal(2, scorer.MatchedKeys);                // a and b; the tokenizer's "<unk>" and "c" (no model word) score as <unk>
        Assert.Equal(scorer.WordOfToken(0), scorer.WordOfToken(3));

        // "ba": p(b|<s>) = bow(<s>) + p(b) = −0.3 − 0.6; p(a|<s> b) = p(a|b) (no <s> b) = bow(b) + p(a) = −0.1 − 0.5;
        //       p(</s>|b a) = −0.1 (the trigram, reachable although "b a" was not in the file).
        AssertLog10(-0.9 - 0.6 - 0.1, model, ["b", "a"]);
        // "ab": p(a|<s>) = −0.25; p(b|<s> a) = −0.05; p(</s>|a b) = bow(a b) + p(</s>|b) = 0 + (bow(b) + p(</s>)) = −0.1 − 0.4.
        AssertLog10(-0.25 - 0.05 - 0.5, model, ["a", "b"]);
        // "c" is out of vocabulary: p(<unk>|<s>) = bow(<s>) + (−100, KenLM's value for a missing <unk>); then p(</s>) = −0.4.
        AssertLog10(-0.3 - 100 - 0.4, model, ["<unk>"]);
        Assert.Equal(Math.Pow(10, -0.6), Math.Pow(10, model.Log10Probability([Id(model, "b")], Id(model, "a"))), 1e-6);

        var data = _ml.Data.LoadFromEnumerable(new[] { new KeyRow { Tokens = [3, 2] }, new KeyRow { Tokens = [4] } });
        var scores = ArML.Tests.Support.TinyGpt.Scores(scorer.Transform(data));
        Assert.Equal((-0.9 - 0.6 - 0.1) * Math.Log(10), scores[0].LogLikelihood, 1e-5);
        Assert.Equal((-0.3 - 100 - 0.4) * Math.Log(10), scores[1].LogLikelihood, 1e-4);
        Assert.Equal(2, scores[1].TokenCount);
    }

    [Theory]
    [InlineData("\\data\\\nngram 1=2\n\n\\1-grams:\n-1 <s>\n-1\n\\end\\\n", "line 6")]
    [InlineData("\\data\\\nngram 1=2\nngram 2=1\n\n\\1-grams:\n-1 <s>\n-1 </s>\n\n\\2-grams:\n-1 <s> x\n\\end\\\n", "'x' is not among the unigrams")]
    [InlineData("\\data\\\nngram 1=2\n\n\\1-grams:\n-1 <s>\n-1 </s>\n", "\\end\\")]
    [InlineData("\\data\\\nngram 1=2\n\n\\1-grams:\n-1 <s>\nabc </s>\n\\end\\\n", "'abc' is not a log10 value")]
    [InlineData("\\data\\\nngram 1=2\n\n\\1-grams:\n-1 <s>\n-1 <s>\n\\end\\\n", "appears twice")]
    [InlineData("\\data\\\nngram 1=1\n\n\\1-grams:\n-1 a\n\\end\\\n", "<s>")]
    [InlineData("no header\n", "\\data\\")]
    public void MalformedFilesAreRejectedWithTheirLine(string text, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => ArpaReader.Read(new StringReader(text), "test.arpa"));
        Assert.Contains(expected, e.Message);
        if (!expected.Contains('<')) Assert.Contains("test.arpa", e.Message);
    }

    private static void AssertLog10(double expected, NGramLanguageModel model, string[] sentence) =>
        Assert.Equal(expected * Math.Log(10), model.ScoreSentence(Ids(model, sentence)).LogLikelihood, 1e-5);

    private static string WriteTemp(string text)
    {
        string path = Path.Combine(Path.GetTempPath(), $"arml-{Guid.NewGuid():N}.arpa");
        File.WriteAllText(path, text);
        return path;
    }

    private sealed class KeyRow
    {
        [Microsoft.ML.Data.KeyType(4)]
        [Microsoft.ML.Data.VectorType]
        public uint[] Tokens { get; set; } = [];
    }
}
