using ArML.Tests.Support;
using ArML.Text;
using ArML.Trainers.Generation;
using Xunit;

namespace ArML.Tests.Trainers.Generation;

/// <summary>Stop sequences across token boundaries, incremental detokenization, streaming and its cancellation.</summary>
public class StopSequenceAndStreamingTests
{
    // Multi-character tokens, so stop sequences can start and end inside tokens.
    private static readonly KeyValuesCodec Pieces = new(["ab", "cd", "e", "x"]);

    private static TextGenerator Scripted(params int[] script) => new(new ScriptedStepModel(Pieces.VocabularySize, script), Pieces);

    [Theory]
    [InlineData("bc", "a")]              // starts inside "ab", ends inside "cd"
    [InlineData("dea", "abc")]           // spans three tokens
    [InlineData("e", "abcd")]            // a whole token
    [InlineData("zz", "abcdeabcdx")]     // never produced: everything
    [InlineData("xq", "abcdeabcdx")]     // its start is produced last, held back, then released at the end
    public void StopSequencesEndTheTextWhereverTokensSplitThem(string stop, string expected)
    {
        var generator = Scripted(0, 1, 2, 0, 1, 3);   // ab cd e ab cd x
        var options = new GenerationOptions { Temperature = 0, StopSequences = [stop] };
        var result = generator.Generate([""], options).Single();
        Assert.Equal(expected, result.Text);
        Assert.Equal(expected.Length < 10 ? GenerationFinishReason.StopSequence : GenerationFinishReason.EndOfRow, result.FinishReason);

        var pieces = Collect(generator.GenerateStreamingAsync("", options));
        Assert.Equal(expected, string.Concat(pieces));
        Assert.DoesNotContain(pieces, p => p.Length == 0);
    }

    [Fact]
    public void TheEarliestOfSeveralStopSequencesWins()
    {
        var result = Scripted(0, 1, 2, 0, 1, 3).Generate("", new GenerationOptions { Temperature = 0, StopSequences = ["x", "cde", "bcd"] });
        Assert.Equal("a", result);
    }

    [Fact]
    public void StreamedPiecesAreCompleteCharactersWithByteLevelTokens()
    {
        const string text = "héllo wörld € 😀!";
        var codec = new Utf8ByteCodec();
        var bytes = new List<int>();
        codec.Encode(text, bytes);
        var generator = new TextGenerator(new ScriptedStepModel(256, bytes), codec);
        var pieces = Collect(generator.GenerateStreamingAsync("", new GenerationOptions { Temperature = 0, MaxNewTokens = 100 }));
        Assert.Equal(text, string.Concat(pieces));
        Assert.All(pieces, p => Assert.DoesNotContain('\uFFFD', p));
        Assert.All(pieces, p => Assert.False(char.IsHighSurrogate(p[^1]), "a piece ends inside a surrogate pair"));
        Assert.True(pieces.Count < bytes.Count, "multi-byte characters arrive as one piece each");
        Assert.Equal(text, generator.Generate("", new GenerationOptions { Temperature = 0, MaxNewTokens = 100 }));
    }

    [Fact]
    public void StopSequencesMatchDecodedTextNotBytes()
    {
        var codec = new Utf8ByteCodec();
        var bytes = new List<int>();
        codec.Encode("naïve café", bytes);
        var generator = new TextGenerator(new ScriptedStepModel(256, bytes), codec);
        Assert.Equal("naïve ", generator.Generate("", new GenerationOptions { Temperature = 0, StopSequences = ["café"] }));
        Assert.Equal("na", generator.Generate("", new GenerationOptions { Temperature = 0, StopSequences = ["ï"] }));
    }

    [Fact]
    public async Task CancellationStopsStreamingPromptly()
    {
        var model = new ScriptedStepModel(4, script: null, stepDelay: TimeSpan.FromMilliseconds(20));   // never ends by itself
        var generator = new TextGenerator(model, Pieces);
        using var cancellation = new CancellationTokenSource();
        int received = 0, stepsAtCancel = -1;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in generator.GenerateStreamingAsync("", new GenerationOptions { MaxNewTokens = 1_000_000, Temperature = 0 }, null, cancellation.Token))
                if (++received == 5)
                {
                    cancellation.Cancel();
                    stepsAtCancel = model.Steps;   // read after cancelling: only the step under way can still finish
                }
        });
        // The enumeration ends only after decoding stopped, and decoding stops after at most the step under way.
        int stepsAtEnd = model.Steps;
        await Task.Delay(100);
        Assert.Equal(stepsAtEnd, model.Steps);
        Assert.InRange(stepsAtEnd, stepsAtCancel, stepsAtCancel + 1);
    }

    [Fact]
    public async Task LeavingTheEnumerationEarlyStopsDecoding()
    {
        var model = new ScriptedStepModel(4, script: null, stepDelay: TimeSpan.FromMilliseconds(20));
        var generator = new TextGenerator(model, Pieces);
        int received = 0, stepsAtBreak = -1;
        await foreach (var piece in generator.GenerateStreamingAsync("", new GenerationOptions { MaxNewTokens = 1_000_000, Temperature = 0 }))
            if (++received == 3)
            {
                stepsAtBreak = model.Steps;
                break;
            }
        int stepsAtEnd = model.Steps;
        await Task.Delay(100);
        Assert.Equal(stepsAtEnd, model.Steps);
        // Leaving cancels at once; a few steps of slack cover the consumer being descheduled on a busy machine.
        Assert.InRange(stepsAtEnd, stepsAtBreak, stepsAtBreak + 3);
    }

    [Fact]
    public void ACancelledTokenStopsSynchronousGeneration()
    {
        var generator = new TextGenerator(new ScriptedStepModel(4, null), Pieces);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => generator.Generate("", new GenerationOptions { MaxNewTokens = 10 }, null, cancelled.Token));
    }

    [Fact]
    public void StreamingValidatesOptionsWhenCalled()
    {
        var generator = Scripted(0);
        Assert.Throws<ArgumentOutOfRangeException>(() => generator.GenerateStreamingAsync("", new GenerationOptions { TopP = 0 }));
        Assert.Throws<ArgumentException>(() => generator.GenerateStreamingAsync("", new GenerationOptions { NumberOfSequences = 2 }));
    }

    [Fact]
    public void StopSequencesNeedACodecAtTheTokenLevel()
    {
        var tokens = new TokenGenerator(new ScriptedStepModel(4, [0]));
        Assert.Throws<ArgumentException>(() => tokens.Generate([], new GenerationOptions { StopSequences = ["a"] }));
        var result = tokens.Generate([], new GenerationOptions { Temperature = 0 }).Single();
        Assert.Equal([0], result.TokenIds);
        Assert.Null(result.Text);
    }

    private static List<string> Collect(IAsyncEnumerable<string> stream)
    {
        var pieces = new List<string>();
        foreach (var piece in stream.ToBlockingEnumerable()) pieces.Add(piece);
        return pieces;
    }
}
