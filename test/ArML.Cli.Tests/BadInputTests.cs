namespace ArML.Cli.Tests;

public sealed class BadInputTests(NGramFixture fixture) : IClassFixture<NGramFixture>
{
    private readonly Workspace _space = fixture.Space;

    public static TheoryData<string, int, string> Cases => new()
    {
        // arguments ({model}, {dir} substituted), exit code, a fragment the one-line message must contain
        { "score {model} {dir}/missing.txt", 1, "missing.txt" },
        { "score {dir}/missing.zip {dir}/test.txt", 1, "missing.zip" },
        { "score {dir}/test.txt {dir}/test.txt", 1, "not a usable ArML model" },
        { "score {dir}/random.zip {dir}/test.txt", 1, "not a usable ArML model" },
        { "score {dir}/foreign.zip {dir}/test.txt", 1, "manifest" },
        { "score {model} {dir}/test.txt --shard 3/2", 2, "--shard '3/2'" },
        { "score {model} {dir}/test.txt --shard 1/0", 2, "--shard '1/0'" },
        { "score {model} {dir}/test.txt --shard half", 2, "--shard 'half'" },
        { "score {model} {dir}/table.csv --column Nope", 1, "column 'Nope'" },
        { "score {model} {dir}/table.csv", 1, "--column" },
        { "score {model} {dir}/test.txt --column Text", 1, "--column 'Text'" },
        { "score {model} {dir}/test.txt -o {dir}/scores.json", 1, "scores.json" },
        { "score {model} {dir}", 1, "folder" },
        { "eval {model} {dir}/ragged.csv --column b", 1, "line 3" },
        { "export {model}", 2, "--arpa" },
        { "train gpt --data {dir}/missing.txt -o {dir}/m.zip", 1, "missing.txt" },
        { "train gpt --data {dir}/test.txt -o {dir}/m.zip --tokenizer {dir}", 1, "tokenizer.zip" },
        { "train gpt --data {dir}/test.txt -o {dir}/m.zip --layers", 2, "--layers" },
        { "train ngram --data {dir}/test.txt -o {dir}/m.zip --tokenizer-kind char --vocab 10", 2, "--vocab" },
        { "generate {model} --top-k 0", 1, "TopK" },
        { "frobnicate", 2, "frobnicate" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void BadInputIsOneLineOnStderrAndANonZeroExitCode(string command, int exitCode, string fragment)
    {
        PrepareFiles();
        var args = command.Split(' ').Select(a => a.Replace("{model}", fixture.Model).Replace("{dir}", _space.Folder)).ToArray();
        var result = CliRunner.InProcess(args, CancellationToken.None);

        Assert.Equal(exitCode, result.ExitCode);
        var lines = result.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, result.Err);
        Assert.StartsWith("arml: error: ", lines[0]);
        Assert.Contains(fragment, lines[0]);
        Assert.DoesNotContain("   at ", result.Err);
        Assert.Equal("", result.Out);
    }

    [Fact]
    public void AProcessGivenBadInputExitsNonZeroWithOneLine()
    {
        PrepareFiles();
        var foreign = CliRunner.AsProcess(_space.Folder, "eval", "foreign.zip", "test.txt");
        Assert.Equal(1, foreign.ExitCode);
        Assert.Single(foreign.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var shard = CliRunner.AsProcess(_space.Folder, "score", fixture.Model, "test.txt", "--shard", "3/2");
        Assert.Equal(2, shard.ExitCode);
        Assert.Equal("arml: error: --shard '3/2': the shard index must be in 0..1 (shards are counted from 0).", shard.Err.Trim());
    }

    private void PrepareFiles()
    {
        var random = new Random(5);
        var bytes = new byte[512];
        random.NextBytes(bytes);
        bytes[0] = (byte)'P';
        bytes[1] = (byte)'K';
        File.WriteAllBytes(_space.File("random.zip"), bytes);
        File.Delete(_space.File("foreign.zip"));
        using (var zip = System.IO.Compression.ZipFile.Open(_space.File("foreign.zip"), System.IO.Compression.ZipArchiveMode.Create))
        using (var writer = new StreamWriter(zip.CreateEntry("model.json").Open()))
            writer.Write("{\"not\": \"arml\"}");
        File.WriteAllText(_space.File("table.csv"), "a,b\n1,the cat\n");
        File.WriteAllText(_space.File("ragged.csv"), "a,b\n1,the cat\n2\n");
    }
}
