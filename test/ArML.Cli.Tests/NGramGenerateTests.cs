using System.Text.Json;

namespace ArML.Cli.Tests;

/// <summary><c>arml generate</c> on an n-gram model: every strategy, as for the neural families.</summary>
public sealed class NGramGenerateTests(NGramFixture fixture) : IClassFixture<NGramFixture>
{
    [Fact]
    public void AnNGramModelGeneratesWithFiltersStopSequencesAndBeams()
    {
        string[] sampled = ["generate", fixture.Model, "-p", "the ", "-n", "20", "--top-k", "5", "--top-p", "0.9", "--repetition-penalty", "1.2", "--seed", "3", "--json"];
        var first = CliRunner.InProcess(sampled);
        Assert.True(first.ExitCode == 0, first.Err);
        Assert.Equal(first.Out, CliRunner.InProcess(sampled).Out);

        var beams = CliRunner.InProcess("generate", fixture.Model, "-p", "the ", "-n", "6", "--beams", "4", "--num-sequences", "2", "--stop", "zq", "--json");
        Assert.True(beams.ExitCode == 0, beams.Err);
        using var json = JsonDocument.Parse(beams.Out);
        var sequences = json.RootElement.GetProperty("sequences");
        Assert.Equal(2, sequences.GetArrayLength());
        Assert.NotEqual(sequences[0].GetProperty("text").GetString(), sequences[1].GetProperty("text").GetString());
    }
}
