using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using ArML.Schema;

namespace ArML.Evaluators;

/// <summary>
/// Reads one scored data view row by row: the log-likelihood, the predicted-token count and, optionally, the
/// text's UTF-8 byte and word counts, validating each row as it goes (errors name the data and the row index).
/// </summary>
internal sealed class ScoredRowReader : IDisposable
{
    private readonly DataViewRowCursor _cursor;
    private readonly ValueGetter<double> _logLikelihood;
    private readonly ValueGetter<int> _tokenCount;
    private readonly ValueGetter<ReadOnlyMemory<char>>? _text;
    private readonly string _dataName;
    private double _ll;
    private int _count;
    private ReadOnlyMemory<char> _textValue;

    private ScoredRowReader(IDataView data, LanguageModelEvaluator.Options options, string dataName)
    {
        _dataName = dataName;
        var ll = ColumnChecks.RequireType(data.Schema, options.LogLikelihoodColumnName, NumberDataViewType.Double, "log-likelihood");
        var tc = ColumnChecks.RequireType(data.Schema, options.TokenCountColumnName, NumberDataViewType.Int32, "token count");
        var columns = new List<DataViewSchema.Column> { ll, tc };
        DataViewSchema.Column? text = null;
        if (options.TextColumnName != null)
        {
            text = ColumnChecks.RequireText(data.Schema, options.TextColumnName, "text");
            columns.Add(text.Value);
        }
        _cursor = data.GetRowCursor(columns);
        _logLikelihood = _cursor.GetGetter<double>(ll);
        _tokenCount = _cursor.GetGetter<int>(tc);
        if (text != null) _text = _cursor.GetGetter<ReadOnlyMemory<char>>(text.Value);
    }

    /// <summary>Opens a cursor over the columns <paramref name="options"/> names, checking their types first.</summary>
    /// <param name="data">Scored data.</param>
    /// <param name="options">Column names.</param>
    /// <param name="dataName">How errors name this data ("the scored data", "scored data A").</param>
    public static ScoredRowReader Open(IDataView data, LanguageModelEvaluator.Options options, string dataName)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new ScoredRowReader(data, options, dataName);
    }

    /// <summary>Whether a text column is read.</summary>
    public bool HasText => _text != null;

    /// <summary>Zero-based index of the current row.</summary>
    public long Position => _cursor.Position;

    /// <summary>Predicted tokens of the current row (never negative).</summary>
    public int TokenCount => _count;

    /// <summary>−log-likelihood of the current row; finite, and 0 on rows without predicted tokens (whose value is not read).</summary>
    public double NegativeLogLikelihood => _count == 0 ? 0 : -_ll;

    /// <summary>Text of the current row (empty without a text column).</summary>
    public ReadOnlyMemory<char> Text => _textValue;

    /// <summary>Moves to the next row and validates it.</summary>
    /// <exception cref="InvalidDataException">A negative token count, or a NaN or infinite log-likelihood on a row with tokens.</exception>
    public bool MoveNext()
    {
        if (!_cursor.MoveNext()) return false;
        _tokenCount(ref _count);
        if (_count < 0)
            throw new InvalidDataException($"Row {Position} of {_dataName} has a negative token count ({_count}).");
        if (_count > 0)
        {
            _logLikelihood(ref _ll);
            if (!double.IsFinite(_ll))
                throw new InvalidDataException($"Row {Position} of {_dataName} has log-likelihood {_ll}; metrics need finite values.");
        }
        if (_text != null) _text(ref _textValue);
        return true;
    }

    /// <summary>Bytes of <paramref name="text"/> in UTF-8 (a lone surrogate counts as the 3 bytes of U+FFFD, as an encoder writes it).</summary>
    public static long Utf8ByteCount(ReadOnlySpan<char> text) => Encoding.UTF8.GetByteCount(text);

    /// <summary>Words of <paramref name="text"/>: maximal runs of characters that are not white space.</summary>
    public static int WordCount(ReadOnlySpan<char> text)
    {
        int words = 0;
        bool inWord = false;
        foreach (char c in text)
        {
            bool space = char.IsWhiteSpace(c);
            if (!space && !inWord) words++;
            inWord = !space;
        }
        return words;
    }

    /// <inheritdoc/>
    public void Dispose() => _cursor.Dispose();
}
