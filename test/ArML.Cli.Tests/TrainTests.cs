using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace ArML.Cli.Tests;

public sealed class TrainTests : IDisposable
{
    private readonly Workspace _space = new();

    // A tiny float32 GPT: 30 steps, progress every 5, no scheduled checkpoint before the end.
    private string[] Gpt(string output, params string[] extra) => Gpt(output, 30, extra);

    private string[] Gpt(string output, int iterations, params string[] extra) =>
    [
        "train", "gpt", "--data", _space.File("train.txt"), "-o", _space.File(output), "--iterations", $"{iterations}", "--eval-interval", "5",
        "--context", "16", "--layers", "1", "--heads", "2", "--embedding", "16", "--batch-size", "4", "--warmup", "5",
        "--precision", "Float32", "--checkpoint-interval", "1000", .. extra,
    ];

    [Fact]
    public void AnInterruptedRunResumesFromItsCheckpointToTheUninterruptedModel()
    {
        var straight = CliRunner.InProcess(Gpt("straight.zip"), CancellationToken.None);
        Assert.True(straight.ExitCode == 0, straight.Err);
        Assert.False(Directory.Exists(_space.File("straight.zip.checkpoint")));   // the default folder goes once the model is saved

        // Cancel (as Ctrl-C does) when the progress line of iteration 10 is written: the loop checkpoints and stops.
        using var cancel = new CancellationTokenSource();
        var stderr = new CancelOnLine("iter 10/", cancel);
        string checkpoints = _space.File("checkpoints");
        var interrupted = CliRunner.InProcess(Gpt("resumed.zip", "--checkpoint-dir", checkpoints), cancel.Token, stderr);
        Assert.Equal(130, interrupted.ExitCode);
        Assert.Contains($"checkpoint saved in '{checkpoints}'", interrupted.Err);
        Assert.False(File.Exists(_space.File("resumed.zip")));
        Assert.NotEmpty(Directory.GetFiles(checkpoints));

        var resumed = CliRunner.InProcess(Gpt("resumed.zip", "--checkpoint-dir", checkpoints), CancellationToken.None);
        Assert.True(resumed.ExitCode == 0, resumed.Err);
        Assert.DoesNotContain("iter 10/", resumed.Err);     // it went on from iteration 10 instead of starting again
        Assert.Contains("Resumed from", resumed.Err);
        Assert.Contains("iter 15/30", resumed.Err);

        Assert.Equal(ScoreFile("straight.zip"), ScoreFile("resumed.zip"));
    }

    [Fact]
    public void SigintStopsATrainingProcessWithACheckpoint()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var process = CliRunner.Start(_space.Folder, Gpt("killed.zip", 100000));
        _ = process.StandardOutput.ReadToEndAsync();
        string? line;
        while ((line = process.StandardError.ReadLine()) != null && !line.StartsWith("iter ", StringComparison.Ordinal)) { }
        Assert.NotNull(line);
        Assert.Equal(0, Kill(process.Id, 2));
        string rest = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000));
        Assert.Equal(130, process.ExitCode);
        Assert.Contains("checkpoint saved in", rest);
        Assert.NotEmpty(Directory.GetFiles(_space.File("killed.zip.checkpoint")));
    }

    [Fact]
    public void ATokenizerFolderTrainsAModelAndExportsTheSameBpeFiles()
    {
        string tok = _space.File("tok");
        var tokenize = CliRunner.InProcess("tokenize", "train", "--kind", "bpe", "--vocab", "300", _space.File("train.txt"), "-o", tok, "--json");
        Assert.True(tokenize.ExitCode == 0, tokenize.Err);
        using (var json = JsonDocument.Parse(tokenize.Out)) Assert.Equal(300, json.RootElement.GetProperty("vocabulary_size").GetInt32());
        Assert.True(File.Exists(Path.Combine(tok, "vocab.json")) && File.Exists(Path.Combine(tok, "merges.txt")));

        var train = CliRunner.InProcess("train", "ngram", "--data", _space.File("train.txt"), "--tokenizer", tok, "-o", _space.File("bpe-ngram.zip"), "--order", "3");
        Assert.True(train.ExitCode == 0, train.Err);
        var export = CliRunner.InProcess("export", _space.File("bpe-ngram.zip"), "--tokenizer-dir", _space.File("exported"), "--arpa", _space.File("model.arpa"));
        Assert.True(export.ExitCode == 0, export.Err);
        Assert.Equal(File.ReadAllBytes(Path.Combine(tok, "vocab.json")), File.ReadAllBytes(_space.File("exported/vocab.json")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(tok, "merges.txt")), File.ReadAllBytes(_space.File("exported/merges.txt")));
        var arpa = File.ReadAllLines(_space.File("model.arpa"));
        Assert.Equal("\\data\\", arpa.First(l => l.Length > 0));
        Assert.Contains(arpa, l => l.StartsWith("ngram 3=", StringComparison.Ordinal));
    }

    [Fact]
    public void GenerateIsReproducibleWithASeedAndCompareOfAModelWithItselfIsZero()
    {
        Assert.Equal(0, CliRunner.InProcess(Gpt("g.zip", 10)).ExitCode);
        string[] generate = ["generate", _space.File("g.zip"), "-p", "the ", "-p", "a ", "-n", "12", "--top-k", "5", "--seed", "7", "--json"];
        var first = CliRunner.InProcess(generate);
        Assert.True(first.ExitCode == 0, first.Err);
        Assert.Equal(first.Out, CliRunner.InProcess(generate).Out);
        using (var json = JsonDocument.Parse(first.Out))
        {
            var sequences = json.RootElement.GetProperty("sequences");
            Assert.Equal(2, sequences.GetArrayLength());
            Assert.Equal("a ", sequences[1].GetProperty("prompt").GetString());
        }

        var compare = CliRunner.InProcess("compare", _space.File("g.zip"), _space.File("g.zip"), _space.File("test.txt"), "--json", "--resamples", "200");
        Assert.True(compare.ExitCode == 0, compare.Err);
        using var result = JsonDocument.Parse(compare.Out);
        Assert.Equal(0.0, result.RootElement.GetProperty("perplexity_difference").GetDouble());
        Assert.False(result.RootElement.GetProperty("significant").GetBoolean());
    }

    public void Dispose() => _space.Dispose();

    private string ScoreFile(string model)
    {
        string output = _space.File(model + ".csv");
        var result = CliRunner.InProcess("score", _space.File(model), _space.File("test.txt"), "-o", output);
        Assert.True(result.ExitCode == 0, result.Err);
        return File.ReadAllText(output);
    }

    [DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);

    /// <summary>A stderr that cancels a token once a line containing a marker is written (progress arrives on the training thread).</summary>
    private sealed class CancelOnLine(string marker, CancellationTokenSource cancel) : StringWriter
    {
        private readonly StringBuilder _line = new();

        public override void Write(char value)
        {
            base.Write(value);
            if (value != '\n') { _line.Append(value); return; }
            if (_line.ToString().Contains(marker, StringComparison.Ordinal)) cancel.Cancel();
            _line.Clear();
        }

        public override void Write(string? value)
        {
            foreach (char c in value ?? "") Write(c);
        }

        public override void WriteLine(string? value)
        {
            Write(value);
            Write('\n');
        }
    }
}
