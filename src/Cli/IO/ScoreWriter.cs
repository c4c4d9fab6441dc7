using System.Globalization;
using System.Text;
using Parquet;
using Parquet.Schema;

namespace ArML.Cli.IO;

/// <summary>One scored row: its index in the whole input, and the model's scores.</summary>
internal readonly record struct ScoredRow(long Row, double LogLikelihood, int TokenCount, double Perplexity, float? Score);

/// <summary>
/// Writes scored rows as CSV or Parquet (by the output's extension; "-" is CSV on stdout). Numbers are written in
/// round-trip form, so a file can be compared byte for byte. Only the first shard writes the CSV header, so the parts
/// of a sharded run concatenate (cat) into exactly the unsharded file.
/// </summary>
internal abstract class ScoreWriter : IDisposable
{
    public static ScoreWriter Create(string path, TextWriter stdout, bool header, bool hasScore) =>
        path == "-" ? new CsvScoreWriter(stdout, ownsWriter: false, header, hasScore)
        : Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".parquet" or ".pq" => new ParquetScoreWriter(path, hasScore),
            ".csv" => new CsvScoreWriter(OpenText(path), ownsWriter: true, header, hasScore),
            var other => throw new CliException($"cannot write scores to '{path}': use a .csv or .parquet file (or - for CSV on stdout), not '{other}'."),
        };

    public abstract void Write(in ScoredRow row);

    /// <summary>Writes what is buffered and closes the file.</summary>
    public abstract void Complete();

    public abstract void Dispose();

    private static StreamWriter OpenText(string path)
    {
        try
        {
            return new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { NewLine = "\n" };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot write '{path}': {e.Message}");
        }
    }
}

internal sealed class CsvScoreWriter : ScoreWriter
{
    private readonly TextWriter _writer;
    private readonly bool _ownsWriter;
    private readonly bool _hasScore;

    public CsvScoreWriter(TextWriter writer, bool ownsWriter, bool header, bool hasScore)
    {
        _writer = writer;
        _ownsWriter = ownsWriter;
        _hasScore = hasScore;
        if (header) _writer.Write(hasScore ? "Row,LogLikelihood,TokenCount,Perplexity,Score\n" : "Row,LogLikelihood,TokenCount,Perplexity\n");
    }

    public override void Write(in ScoredRow row)
    {
        var c = CultureInfo.InvariantCulture;
        _writer.Write(row.Row.ToString(c));
        _writer.Write(',');
        _writer.Write(row.LogLikelihood.ToString("R", c));
        _writer.Write(',');
        _writer.Write(row.TokenCount.ToString(c));
        _writer.Write(',');
        _writer.Write(row.Perplexity.ToString("R", c));
        if (_hasScore)
        {
            _writer.Write(',');
            _writer.Write(row.Score?.ToString("R", c));
        }
        _writer.Write('\n');
    }

    public override void Complete() => _writer.Flush();

    public override void Dispose()
    {
        if (_ownsWriter) _writer.Dispose();
        else _writer.Flush();
    }
}

/// <summary>Parquet output in row groups of <see cref="RowGroupSize"/> rows: memory stays bounded for any input.</summary>
internal sealed class ParquetScoreWriter : ScoreWriter
{
    private const int RowGroupSize = 65536;
    private static readonly DataField<long> RowField = new("Row");
    private static readonly DataField<double> LogLikelihoodField = new("LogLikelihood");
    private static readonly DataField<int> TokenCountField = new("TokenCount");
    private static readonly DataField<double> PerplexityField = new("Perplexity");
    private static readonly DataField<float> ScoreField = new("Score");

    private readonly FileStream _stream;
    private readonly ParquetWriter _writer;
    private readonly bool _hasScore;
    private readonly List<ScoredRow> _buffer = new(RowGroupSize);
    private bool _closed;

    public ParquetScoreWriter(string path, bool hasScore)
    {
        _hasScore = hasScore;
        try
        {
            _stream = File.Create(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot write '{path}': {e.Message}");
        }
        Field[] fields = hasScore ? [RowField, LogLikelihoodField, TokenCountField, PerplexityField, ScoreField]
            : [RowField, LogLikelihoodField, TokenCountField, PerplexityField];
        _writer = ParquetWriter.CreateAsync(new ParquetSchema(fields), _stream).GetAwaiter().GetResult();
    }

    public override void Write(in ScoredRow row)
    {
        _buffer.Add(row);
        if (_buffer.Count == RowGroupSize) Flush();
    }

    public override void Complete()
    {
        if (_buffer.Count > 0) Flush();
        Close();
    }

    public override void Dispose()
    {
        Close();
        _stream.Dispose();
    }

    // Disposing the Parquet writer writes the footer: once only.
    private void Close()
    {
        if (_closed) return;
        _closed = true;
        _writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _stream.Flush();
    }

    private void Flush()
    {
        using var group = _writer.CreateRowGroup();
        Column(group, RowField, _buffer.Select(r => r.Row).ToArray());
        Column(group, LogLikelihoodField, _buffer.Select(r => r.LogLikelihood).ToArray());
        Column(group, TokenCountField, _buffer.Select(r => r.TokenCount).ToArray());
        Column(group, PerplexityField, _buffer.Select(r => r.Perplexity).ToArray());
        if (_hasScore) Column(group, ScoreField, _buffer.Select(r => r.Score ?? float.NaN).ToArray());
        _buffer.Clear();
    }

    private static void Column<T>(ParquetRowGroupWriter group, DataField field, T[] values) where T : struct =>
        group.WriteAsync(field, new ReadOnlyMemory<T>(values)).GetAwaiter().GetResult();
}
