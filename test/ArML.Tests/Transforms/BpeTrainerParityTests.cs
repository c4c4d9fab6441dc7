using System.Security.Cryptography;
using ArML.Synthetic;
using ArML.Transforms.Text;
using Xunit;
using Xunit.Abstractions;

namespace ArML.Tests.Transforms;

/// <summary>
/// A byte-level BPE trained by ArML, exported as vocab.json + merges.txt and loaded into Hugging Face tokenizers
/// (npm tokenizers 0.23.2, ByteLevel pre-tokenizer without prefix space), gives the same ids as ArML on held-out text.
/// </summary>
/// <remarks>
/// The trainer is deterministic, so this test retrains on the committed corpus (stress lines 0–1999 plus 2,000
/// Markov-source rows), checks that the exported files' SHA-256 equal the ones recorded when the fixture was made,
/// and compares ids on the held-out stress lines 2000–2999 with the committed Hugging Face ids
/// (Fixtures/bpe-hf-ids.json.gz). To regenerate after a deliberate trainer change:
/// <code>
/// ARML_WRITE_BPE_FIXTURE=$PWD/tools/tokenizer-parity/out dotnet test -c Release --filter FullyQualifiedName~BpeTrainerParityTests
/// cd tools/tokenizer-parity &amp;&amp; node generate-hf-bpe.mjs
/// </code>
/// </remarks>
public class BpeTrainerParityTests(ITestOutputHelper output)
{
    public const int HeldOutStart = 2000;

    public static BpeVocabulary TrainFixtureBpe()
    {
        var markov = MarkovTextSource.CreateDefault(seed: 3).Sample(2000, seed: 4);
        var training = TokenizerFixtures.Corpus.Lines.Take(HeldOutStart).Concat(markov).ToList();
        var options = new TokenizerTrainerOptions { VocabularySize = 1000, SpecialTokens = ["<|endoftext|>", "<pad>"] };
        var data = TokenizeHelpers.Texts(training);
        return (BpeVocabulary)TokenizeHelpers.Ml.Transforms.Text.TrainTokenizer("Tokens", "Text", options).Fit(data).Vocabulary;
    }

    [Fact]
    public void ExportedBpeGivesHuggingFacesIdsOnHeldOutText()
    {
        var vocabulary = TrainFixtureBpe();
        Assert.Equal(1000, vocabulary.VocabularySize);
        if (Environment.GetEnvironmentVariable("ARML_WRITE_BPE_FIXTURE") is string folder)
        {
            vocabulary.SaveFiles(folder);
            output.WriteLine($"wrote vocab.json and merges.txt to {folder}");
        }

        var fixture = TokenizerFixtures.ReadGzipJson("bpe-hf-ids.json.gz");
        Assert.Equal(fixture.GetProperty("vocabSha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(vocabulary.GetVocabJson())));
        Assert.Equal(fixture.GetProperty("mergesSha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(vocabulary.GetMergesText())));

        var expected = TokenizerFixtures.Ids(fixture.GetProperty("ids"));
        var heldOut = TokenizerFixtures.Corpus.Lines.Skip(HeldOutStart).ToArray();
        Assert.Equal(heldOut.Length, expected.Length);
        var actual = TokenizeHelpers.Tokenize(vocabulary, heldOut);
        var mismatches = Enumerable.Range(0, heldOut.Length).Where(i => !actual[i].SequenceEqual(expected[i])).ToList();
        foreach (int i in mismatches.Take(5))
            output.WriteLine($"line {i}: {TiktokenParityTests.Escape(heldOut[i])}\n  expected {string.Join(",", expected[i])}\n  actual   {string.Join(",", actual[i])}");
        Assert.Empty(mismatches);
        Assert.True(actual.Sum(a => a.Length) > heldOut.Sum(l => l.Length) / 8, "the held-out text is encoded with many merges, not only bytes");
    }
}
