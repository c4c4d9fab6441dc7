using ArML.Trainers.Generation;
using Xunit;

namespace ArML.Tests.Trainers.Generation;

public class GenerationOptionsTests
{
    public static TheoryData<string, Action<GenerationOptions>> OutOfRange => new()
    {
        { "Temperature", o => o.Temperature = -0.1 },
        { "Temperature", o => o.Temperature = double.NaN },
        { "TopP", o => o.TopP = 0 },
        { "TopP", o => o.TopP = 1.5 },
        { "TopP", o => o.TopP = -1 },
        { "TopK", o => o.TopK = 0 },
        { "MinP", o => o.MinP = 1.1 },
        { "RepetitionPenalty", o => o.RepetitionPenalty = 0 },
        { "NoRepeatNGramSize", o => o.NoRepeatNGramSize = 0 },
        { "MaxNewTokens", o => o.MaxNewTokens = -1 },
        { "NumberOfSequences", o => o.NumberOfSequences = 0 },
        { "BeamCount", o => o.BeamCount = 0 },
        { "LengthPenalty", o => o.LengthPenalty = double.PositiveInfinity },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void OutOfRangeOptionsFailNamingTheOption(string option, Action<GenerationOptions> set)
    {
        var options = new GenerationOptions();
        set(options);
        var e = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        Assert.Equal(option, e.ParamName);
        Assert.Contains("GenerationOptions." + option, e.Message);
    }

    public static TheoryData<string, Action<GenerationOptions>> Contradictory => new()
    {
        { "Temperature", o => { o.BeamCount = 4; o.Temperature = 0.8; } },
        { "TopP", o => { o.BeamCount = 4; o.TopP = 0.9; } },
        { "NumberOfSequences", o => { o.BeamCount = 2; o.NumberOfSequences = 3; } },
        { "greedy", o => { o.Temperature = 0; o.NumberOfSequences = 2; } },
        { "StopSequences", o => o.StopSequences = [""] },
    };

    [Theory]
    [MemberData(nameof(Contradictory))]
    public void ContradictoryOptionsFailClearly(string mentioned, Action<GenerationOptions> set)
    {
        var options = new GenerationOptions();
        set(options);
        var e = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains(mentioned, e.Message);
    }

    [Fact]
    public void ValidOptionsPassAndClonesAreIndependent()
    {
        var options = new GenerationOptions
        {
            Temperature = 0.7, TopK = 5, TopP = 1, MinP = 0, RepetitionPenalty = 1.2, NoRepeatNGramSize = 2, StopSequences = ["\n"],
            Seed = 1, NumberOfSequences = 3, MaxNewTokens = 0,
        };
        options.Validate();
        new GenerationOptions { BeamCount = 4, NumberOfSequences = 4, Temperature = 0, LengthPenalty = 0 }.Validate();
        var copy = options.Clone();
        copy.StopSequences!.Add("x");
        Assert.Single(options.StopSequences!);
    }
}
