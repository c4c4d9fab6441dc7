using System.Globalization;
using System.Text.Json;
using Parquet;
using Parquet.Schema;

namespace ArML.Cli.Tests;

public sealed class ScoreTests(NGramFixture fixture) : IClassFixture<NGramFixture>
{
    private readonly Workspace _space = fixture.Space;

    [Fact]
    public void ScoresEveryRowInOrderWithItsTokenCountAndPerplexity()
    {
        string output = _space.File("all.csv");
        var result = CliRunner.InProcess("score", fixture.Model, _space.File("test.txt"), "-o", output);

        Assert.Equal(0, result.ExitCode);
        var lines = File.ReadAllLines(_space.File("test.txt"));
        var rows = ReadScores(output);
        Assert.Equal(lines.Length, rows.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            Assert.Equal(i, rows[i].Row);
            // A character model predicts each character and the row's end.
            Assert.Equal(lines[i].Length + 1, rows[i].TokenCount);
            Assert.True(rows[i].LogLikelihood < 0);
            Assert.Equal(Math.Exp(-rows[i].LogLikelihood / rows[i].TokenCount), rows[i].Perplexity, 1e-12 * rows[i].Perplexity);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(150)]   // more shards than rows: some parts are empty, and still concatenate to the whole
    public void ShardedPartsConcatenateToExactlyTheUnshardedOutput(int shards)
    {
        string whole = _space.File($"whole-{shards}.csv");
        Assert.Equal(0, CliRunner.InProcess("score", fixture.Model, _space.File("test.txt"), "-o", whole).ExitCode);
        var parts = new List<byte>();
        for (int i = 0; i < shards; i++)
        {
            string part = _space.File($"part-{shards}-{{shard}}.csv");
            var result = CliRunner.InProcess("score", fixture.Model, _space.File("test.txt"), "-o", part, "--shard", $"{i}/{shards}");
            Assert.True(result.ExitCode == 0, result.Err);
            parts.AddRange(File.ReadAllBytes(_space.File($"part-{shards}-{i.ToString("D5", CultureInfo.InvariantCulture)}.csv")));
        }
        Assert.Equal(File.ReadAllBytes(whole), parts.ToArray());
    }

    [Fact]
    public void ShardedParquetPartsHoldTheUnshardedRowsInOrder()
    {
        string whole = _space.File("whole.parquet");
        Assert.Equal(0, CliRunner.InProcess("score", fixture.Model, _space.File("test.txt"), "-o", whole).ExitCode);
        var concatenated = new List<(long, double, int, double)>();
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(0, CliRunner.InProcess("score", fixture.Model, _space.File("test.txt"), "-o", _space.File("sharded.parquet"), "--shard", $"{i}/4").ExitCode);
            concatenated.AddRange(ReadParquetScores(_space.File($"sharded.part-{i:D5}-of-00004.parquet")));
        }
        var expected = ReadParquetScores(whole);
        Assert.Equal(101, expected.Count);
        Assert.Equal(expected, concatenated);
        Assert.Equal(ReadScores(ScoreText()).Select(r => (r.Row, r.LogLikelihood, r.TokenCount, r.Perplexity)), expected);
    }

    [Fact]
    public void CsvTsvAndParquetInputsScoreTheNamedColumnLikeTextLines()
    {
        // Rows with the CSV delimiter, quotes and a line break inside a quoted field.
        string[] texts = ["the cat, the dog", "a \"red\" car", "big\nhouse", "", "small blue car"];
        File.WriteAllText(_space.File("rows.csv"), "id,Body\n" + string.Join("\n", texts.Select((t, i) => $"{i},\"{t.Replace("\"", "\"\"")}\"")) + "\n");
        File.WriteAllText(_space.File("rows.tsv"), "Body\tid\n" + string.Join("\n", texts.Where(t => !t.Contains('\n')).Select((t, i) => $"{t}\t{i}")) + "\n");
        WriteParquet(_space.File("rows.parquet"), texts);

        var csv = Score("rows.csv", "--column", "Body");
        var parquet = Score("rows.parquet", "--column", "Body");
        var tsv = Score("rows.tsv", "--column", "Body");
        Assert.Equal(texts.Length, csv.Count);
        Assert.Equal(csv, parquet);
        Assert.Equal(csv.Where((_, i) => !texts[i].Contains('\n')).Select(r => (r.LogLikelihood, r.TokenCount)), tsv.Select(r => (r.LogLikelihood, r.TokenCount)));
        Assert.Equal(texts.Select(t => t.Length + 1), csv.Select(r => r.TokenCount));
    }

    [Fact]
    public void EvalPerplexityIsTheTokenWeightedPerplexityOfTheScores()
    {
        var result = CliRunner.InProcess("eval", fixture.Model, _space.File("test.txt"), "--json");
        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        var scores = ReadScores(ScoreText());
        double expected = Math.Exp(-scores.Sum(r => r.LogLikelihood) / scores.Sum(r => r.TokenCount));
        Assert.Equal(expected, json.RootElement.GetProperty("perplexity").GetDouble(), 1e-9 * expected);
        Assert.Equal(scores.Count, json.RootElement.GetProperty("rows").GetInt64());
        var interval = json.RootElement.GetProperty("perplexity_interval");
        Assert.InRange(expected, interval.GetProperty("lower").GetDouble(), interval.GetProperty("upper").GetDouble());
        long bytes = File.ReadAllLines(_space.File("test.txt")).Sum(l => (long)System.Text.Encoding.UTF8.GetByteCount(l));
        Assert.Equal(-scores.Sum(r => r.LogLikelihood) / (bytes * Math.Log(2)), json.RootElement.GetProperty("bits_per_byte").GetDouble(), 1e-9);
    }

    [Fact]
    public void TheProcessWritesTheSameScoresAsTheInProcessRun()
    {
        var result = CliRunner.AsProcess(_space.Folder, "score", fixture.Model, "test.txt", "-o", "-");
        Assert.True(result.ExitCode == 0, result.Err);
        Assert.Equal(File.ReadAllText(ScoreText()), result.Out);
        Assert.Contains("scored rows 0..100 (101 rows)", result.Err);
    }

    private string ScoreText()
    {
        string path = _space.File("reference.csv");
        if (!File.Exists(path)) Assert.Equal(0, CliRunner.InProcess("score", fixture.Model, _space.File("test.txt"), "-o", path).ExitCode);
        return path;
    }

    private List<(double LogLikelihood, int TokenCount)> Score(string input, params string[] options)
    {
        string output = _space.File(input + ".scores.csv");
        var result = CliRunner.InProcess(["score", fixture.Model, _space.File(input), "-o", output, .. options], CancellationToken.None);
        Assert.True(result.ExitCode == 0, result.Err);
        return ReadScores(output).Select(r => (r.LogLikelihood, r.TokenCount)).ToList();
    }

    internal static List<(long Row, double LogLikelihood, int TokenCount, double Perplexity)> ReadScores(string path)
    {
        var lines = File.ReadAllLines(path);
        Assert.Equal("Row,LogLikelihood,TokenCount,Perplexity", lines[0]);
        var c = CultureInfo.InvariantCulture;
        return lines.Skip(1).Select(l => l.Split(',')).Select(f => (long.Parse(f[0], c), double.Parse(f[1], c), int.Parse(f[2], c), double.Parse(f[3], c))).ToList();
    }

    private static List<(long, double, int, double)> ReadParquetScores(string path)
    {
        using var stream = File.OpenRead(path);
        var parquet = ParquetReader.CreateAsync(stream).GetAwaiter().GetResult();
        var fields = parquet.Schema.GetDataFields();
        var rows = new List<(long, double, int, double)>();
        for (int g = 0; g < parquet.RowGroupCount; g++)
        {
            using var group = parquet.OpenRowGroupReader(g);
            int n = (int)group.RowCount;
            var row = new long[n];
            var ll = new double[n];
            var tc = new int[n];
            var ppl = new double[n];
            group.ReadAsync(fields[0], row.AsMemory(), null).AsTask().GetAwaiter().GetResult();
            group.ReadAsync(fields[1], ll.AsMemory(), null).AsTask().GetAwaiter().GetResult();
            group.ReadAsync(fields[2], tc.AsMemory(), null).AsTask().GetAwaiter().GetResult();
            group.ReadAsync(fields[3], ppl.AsMemory(), null).AsTask().GetAwaiter().GetResult();
            for (int i = 0; i < n; i++) rows.Add((row[i], ll[i], tc[i], ppl[i]));
        }
        parquet.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return rows;
    }

    private static void WriteParquet(string path, string[] texts)
    {
        var field = new DataField<string>("Body");
        var id = new DataField<int>("id");
        using var stream = File.Create(path);
        var writer = ParquetWriter.CreateAsync(new ParquetSchema(id, field), stream).GetAwaiter().GetResult();
        using (var group = writer.CreateRowGroup())
        {
            group.WriteAsync(id, new ReadOnlyMemory<int>(Enumerable.Range(0, texts.Length).ToArray())).GetAwaiter().GetResult();
            group.WriteAsync(field, texts).GetAwaiter().GetResult();
        }
        writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
