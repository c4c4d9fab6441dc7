using ArML.Persistence;
using ArML.Tests.Core.Persistence;
using ArML.Trainers.NGram;
using Microsoft.ML;
using Xunit;
using static ArML.Tests.Trainers.NGram.NGramFixtures;

namespace ArML.Tests.Trainers.NGram;

/// <summary>
/// Values and sizes that an ARPA file or a saved n-gram table cannot hold are refused where they enter, naming the
/// file and line (or the tensor), before anything large is allocated.
/// </summary>
public class ArpaValueTests
{
    private readonly MLContext _ml = new(seed: 1);

    private static string Arpa(string unigramB = "-0.6 b", string bigramBackoff = "", string counts = "ngram 1=4\nngram 2=2\n") =>
        "\\data\\\n" + counts + "\n\\1-grams:\n-1 <s> -0.3\n-0.4 </s>\n-0.5 a -0.2\n" + unigramB + " -0.1\n\n" +
        "\\2-grams:\n-0.25 <s> a" + bigramBackoff + "\n-0.05 a b\n\n\\end\\\n";

    [Fact]
    public void TheSampleFileIsValid() => Assert.Equal(2, ArpaReader.Read(new StringReader(Arpa())).Order);

    [Theory]
    [InlineData("0.5 b")]
    [InlineData("+5 b")]
    [InlineData("1e-3 b")]
    [InlineData("3e38 b")]
    public void APositiveLog10ProbabilityIsRefusedWithItsLine(string unigram)
    {
        var e = Assert.Throws<InvalidDataException>(() => ArpaReader.Read(new StringReader(Arpa(unigram)), "test.arpa"));
        Assert.Contains("test.arpa, line 9", e.Message);
        Assert.Contains("positive", e.Message);
    }

    [Theory]
    [InlineData("NaN b")]
    [InlineData("inf b")]
    [InlineData("-0.6 b -0.1 NaN")]   // one field too many is caught first; NaN backoffs below
    public void ANonNumberIsRefusedWithItsLine(string unigram)
    {
        var e = Assert.Throws<InvalidDataException>(() => ArpaReader.Read(new StringReader(Arpa(unigram)), "test.arpa"));
        Assert.Contains("test.arpa, line 9", e.Message);
    }

    [Theory]
    [InlineData(" NaN")]
    [InlineData(" -inf")]
    [InlineData(" inf")]
    public void ANonFiniteBackoffIsRefusedWithItsLine(string backoff)
    {
        string text = Arpa(counts: "ngram 1=4\nngram 2=2\nngram 3=0\n", bigramBackoff: backoff).Replace("\\end\\", "\\3-grams:\n\n\\end\\");
        var e = Assert.Throws<InvalidDataException>(() => ArpaReader.Read(new StringReader(text), "test.arpa"));
        Assert.Contains("test.arpa, line 13", e.Message);
    }

    [Theory]
    [InlineData("ngram 1=4\nngram 2=1073741824\n", 3)]    // threw ArgumentOutOfRangeException("capacity")
    [InlineData("ngram 1=100000000\nngram 2=2\n", 2)]     // reserved 1.2 GB before reading a line
    public void ADeclaredCountTheFileCannotHoldIsRefusedAtItsLineWithoutAllocating(string counts, int line)
    {
        string path = Path.Combine(Path.GetTempPath(), $"arml-{Guid.NewGuid():N}.arpa");
        File.WriteAllText(path, Arpa(counts: counts));
        try
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var e = Assert.Throws<InvalidDataException>(() => ArpaReader.Read(path));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Contains($"{path}, line {line}", e.Message);
            Assert.Contains("can hold", e.Message);
            Assert.True(allocated < 4 << 20, $"{allocated} bytes allocated");

            // Text of unknown length reserves little and fails where the n-grams run out.
            before = GC.GetAllocatedBytesForCurrentThread();
            e = Assert.Throws<InvalidDataException>(() => ArpaReader.Read(new StringReader(Arpa(counts: counts)), "text"));
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Contains("text, line", e.Message);
            Assert.True(allocated < 4 << 20, $"{allocated} bytes allocated");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void BackoffsThatImplyAProbabilityAboveOneAreRefusedNamingTheNGram()
    {
        // "a b c" needs the missing prefix "a b": bow(a) + p(b) = 0.9 − 0.6 = 0.3 > 0.
        string text = "\\data\\\nngram 1=4\nngram 2=1\nngram 3=1\n\n\\1-grams:\n-1 <s> 0\n-0.4 </s>\n-0.5 a 0.9\n-0.6 b 0\n\n" +
            "\\2-grams:\n-0.3 <s> a 0\n\n\\3-grams:\n-0.1 a b </s>\n\n\\end\\\n";
        var e = Assert.Throws<InvalidDataException>(() => ArpaReader.Read(new StringReader(text), "test.arpa"));
        Assert.Contains("test.arpa", e.Message);
        Assert.Contains("'a b'", e.Message);
    }

    [Theory]
    [InlineData("2.logprob", 5f)]
    [InlineData("2.logprob", float.NaN)]
    [InlineData("1.logprob", 0.001f)]
    [InlineData("1.backoff", float.NaN)]
    [InlineData("1.backoff", float.PositiveInfinity)]
    public void AForgedSavedTableIsRefusedNamingTheTensor(string tensor, float value)
    {
        var (edit, trieEntry, tensors) = SavedBigramTrie(_ml);
        byte[] data = tensors[tensor].Data.ToArray();
        BitConverter.TryWriteBytes(data.AsSpan(data.Length - 4), value);   // the last entry
        tensors[tensor] = tensors[tensor] with { Data = data };
        edit.ReplaceConsistently(trieEntry, SafeTensorsFormat.ToBytes(tensors));

        var e = Assert.Throws<ArmlModelFormatException>(() => _ml.Model.LoadArml(new MemoryStream(edit.ToZip()), out _));
        Assert.Contains($"'{tensor}'", e.Message);
    }
}
