using System.Text;
using Parquet;
using Parquet.Schema;

namespace ArML.Cli.IO;

/// <summary>
/// The text rows of an input file, read lazily: text files (one row per line), CSV and TSV (a named column, first
/// line = header) and Parquet (a named string column, one row group in memory at a time). Each enumeration re-reads the
/// file, so ML.NET cursors stream it and nothing holds the whole input.
/// </summary>
internal abstract class RowSource
{
    protected RowSource(string path) => Path = path;

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>The column read (for text files, "line").</summary>
    public abstract string ColumnName { get; }

    /// <summary>Opens <paramref name="path"/> by its extension (.csv, .tsv, .parquet; anything else is text lines).</summary>
    /// <exception cref="CliException">The file cannot be read, or the column is missing.</exception>
    public static RowSource Open(string path, string? column)
    {
        if (Directory.Exists(path)) throw new CliException($"'{path}' is a folder, not a file.");
        if (!File.Exists(path)) throw new CliException($"cannot read '{path}': no such file.");
        try
        {
            using (File.OpenRead(path)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read '{path}': {e.Message}");
        }
        return System.IO.Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".csv" => new DelimitedRowSource(path, ',', quoting: true, column),
            ".tsv" or ".tab" => new DelimitedRowSource(path, '\t', quoting: false, column),
            ".parquet" or ".pq" => new ParquetRowSource(path, column),
            _ => column == null ? new TextLineSource(path)
                : throw new CliException($"--column '{column}' needs a .csv, .tsv or .parquet file; '{path}' is read as text, one row per line."),
        };
    }

    /// <summary>Counts the rows (one streaming pass, or the Parquet footer).</summary>
    public abstract long CountRows();

    /// <summary>Rows [<paramref name="start"/>, start + <paramref name="count"/>), streamed.</summary>
    public abstract IEnumerable<string> Read(long start = 0, long count = long.MaxValue);

    /// <summary>The exception for a column that is not there, listing the ones that are.</summary>
    protected CliException MissingColumn(string column, IEnumerable<string> available) =>
        new($"column '{column}' is not in '{Path}' (columns: {string.Join(", ", available)}).");
}

/// <summary>A text file, one row per line (\n or \r\n), UTF-8.</summary>
internal sealed class TextLineSource(string path) : RowSource(path)
{
    public override string ColumnName => "line";

    public override long CountRows()
    {
        long rows = 0;
        foreach (var _ in File.ReadLines(Path, Encoding.UTF8)) rows++;
        return rows;
    }

    public override IEnumerable<string> Read(long start = 0, long count = long.MaxValue)
    {
        long index = 0, end = start + Math.Min(count, long.MaxValue - start);
        foreach (var line in File.ReadLines(Path, Encoding.UTF8))
        {
            if (index >= end) yield break;
            if (index++ >= start) yield return line;
        }
    }
}

/// <summary>CSV or TSV with a header line; the column is named, or the only one, or "Text".</summary>
internal sealed class DelimitedRowSource : RowSource
{
    private readonly char _delimiter;
    private readonly bool _quoting;
    private readonly int _columnIndex;
    private readonly int _fieldCount;

    public DelimitedRowSource(string path, char delimiter, bool quoting, string? column) : base(path)
    {
        _delimiter = delimiter;
        _quoting = quoting;
        using var reader = new StreamReader(path, Encoding.UTF8);
        var header = new List<string>();
        if (!new DelimitedReader(reader, delimiter, quoting).Read(header)) throw new CliException($"'{path}' is empty: a header line with column names is needed.");
        _fieldCount = header.Count;
        _columnIndex = column != null ? header.IndexOf(column)
            : header.Count == 1 ? 0
            : header.IndexOf("Text") is int text and >= 0 ? text
            : throw new CliException($"'{path}' has several columns ({string.Join(", ", header)}): name the text column with --column.");
        if (_columnIndex < 0) throw MissingColumn(column!, header);
        ColumnName = header[_columnIndex];
    }

    public override string ColumnName { get; }

    public override long CountRows()
    {
        long rows = 0;
        foreach (var _ in Records()) rows++;
        return rows;
    }

    public override IEnumerable<string> Read(long start = 0, long count = long.MaxValue)
    {
        long index = 0, end = start + Math.Min(count, long.MaxValue - start);
        foreach (var fields in Records())
        {
            if (index >= end) yield break;
            if (index++ >= start) yield return fields[_columnIndex];
        }
    }

    // Records after the header, each checked to have the header's number of fields (a shifted column would be wrong data).
    private IEnumerable<List<string>> Records()
    {
        using var stream = new StreamReader(Path, Encoding.UTF8);
        var reader = new DelimitedReader(stream, _delimiter, _quoting);
        var fields = new List<string>();
        reader.Read(fields);
        long row = 0;
        while (ReadRecord(reader, fields))
        {
            if (fields.Count != _fieldCount)
            {
                // A trailing empty line is not a record.
                if (fields.Count == 1 && fields[0].Length == 0 && stream.Peek() < 0) yield break;
                throw new CliException($"'{Path}' line {reader.LineNumber} (row {row}) has {fields.Count} fields where the header has {_fieldCount}.");
            }
            row++;
            yield return fields;
        }
    }

    private bool ReadRecord(DelimitedReader reader, List<string> fields)
    {
        try
        {
            return reader.Read(fields);
        }
        catch (FormatException e)
        {
            throw new CliException($"'{Path}': {e.Message}");
        }
    }
}

/// <summary>A Parquet file's string column, read one row group at a time; null values read as empty text.</summary>
internal sealed class ParquetRowSource : RowSource
{
    private readonly DataField _field;

    public ParquetRowSource(string path, string? column) : base(path)
    {
        try
        {
            using var reader = new ParquetFile(path);
            var fields = reader.Reader.Schema.GetDataFields();
            _field = column != null ? fields.FirstOrDefault(f => f.Name == column) ?? throw MissingColumn(column, fields.Select(f => f.Name))
                : fields.Length == 1 ? fields[0]
                : fields.FirstOrDefault(f => f.Name == "Text")
                  ?? throw new CliException($"'{path}' has several columns ({string.Join(", ", fields.Select(f => f.Name))}): name the text column with --column.");
        }
        catch (Exception e) when (e is not CliException)
        {
            throw new CliException($"cannot read '{path}' as Parquet: {e.Message}");
        }
        if (_field.ClrType != typeof(string) && _field.ClrType != typeof(ReadOnlyMemory<char>) || _field.IsArray)
            throw new CliException($"column '{_field.Name}' of '{path}' holds {_field.ClrType.Name}{(_field.IsArray ? " lists" : "")}, not text.");
        ColumnName = _field.Name;
    }

    public override string ColumnName { get; }

    public override long CountRows()
    {
        using var reader = new ParquetFile(Path);
        long rows = 0;
        for (int g = 0; g < reader.Reader.RowGroupCount; g++)
        {
            using var group = reader.Reader.OpenRowGroupReader(g);
            rows += group.RowCount;
        }
        return rows;
    }

    public override IEnumerable<string> Read(long start = 0, long count = long.MaxValue)
    {
        using var reader = new ParquetFile(Path);
        long first = 0, end = start + Math.Min(count, long.MaxValue - start);
        for (int g = 0; g < reader.Reader.RowGroupCount && first < end; g++)
        {
            using var group = reader.Reader.OpenRowGroupReader(g);
            long rows = group.RowCount;
            if (first + rows > start)
            {
                var values = new string?[rows];
                group.ReadAsync(_field, values.AsMemory(), null).GetAwaiter().GetResult();
                for (long i = Math.Max(start - first, 0); i < rows && first + i < end; i++) yield return values[i] ?? "";
            }
            first += rows;
        }
    }
}

/// <summary>A Parquet reader for synchronous code (the library's reader is only asynchronously disposable).</summary>
internal sealed class ParquetFile(string path) : IDisposable
{
    public ParquetReader Reader { get; } = ParquetReader.CreateAsync(path).GetAwaiter().GetResult();

    public void Dispose() => Reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
