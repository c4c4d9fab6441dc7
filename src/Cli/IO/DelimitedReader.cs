using System.Text;

namespace ArML.Cli.IO;

/// <summary>
/// Streams the records of a CSV (RFC 4180: fields in double quotes may hold the delimiter, quotes doubled, and line
/// breaks) or TSV file (IANA text/tab-separated-values: no quoting, so a field is everything between tabs). One record
/// in memory at a time.
/// </summary>
internal sealed class DelimitedReader(TextReader reader, char delimiter, bool quoting)
{
    private readonly StringBuilder _field = new();

    /// <summary>Line number (1-based) where the record returned last began, for error messages.</summary>
    public long LineNumber { get; private set; }

    private long _line = 1;

    /// <summary>Reads the next record into <paramref name="fields"/>; false at the end of the input.</summary>
    /// <exception cref="FormatException">A quoted field never ends.</exception>
    public bool Read(List<string> fields)
    {
        fields.Clear();
        int c = reader.Read();
        if (c < 0) return false;
        LineNumber = _line;
        _field.Clear();
        bool quoted = false, wasQuoted = false;
        while (true)
        {
            if (quoted)
            {
                if (c < 0) throw new FormatException($"a quoted field that starts on line {LineNumber} never ends.");
                if (c == '"')
                {
                    if (reader.Peek() == '"') { reader.Read(); _field.Append('"'); }
                    else quoted = false;
                }
                else
                {
                    if (c == '\n') _line++;
                    _field.Append((char)c);
                }
            }
            else if (c < 0 || c == '\n' || c == '\r')
            {
                if (c == '\r' && reader.Peek() == '\n') reader.Read();
                if (c >= 0) _line++;
                fields.Add(_field.ToString());
                return true;
            }
            else if (c == delimiter)
            {
                fields.Add(_field.ToString());
                _field.Clear();
                wasQuoted = false;
            }
            else if (quoting && c == '"' && _field.Length == 0 && !wasQuoted)
            {
                quoted = wasQuoted = true;
            }
            else _field.Append((char)c);
            c = reader.Read();
        }
    }
}
