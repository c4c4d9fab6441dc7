using System.Globalization;

namespace ArML.Trainers.NGram;

/// <summary>
/// Reads an ARPA backoff language model (as written by KenLM, SRILM, IRSTLM or <see cref="ArpaWriter"/>) into an
/// <see cref="NGramLanguageModel"/> that scores exactly by the ARPA backoff definition.
/// </summary>
/// <remarks>
/// Fields may be separated by tabs or spaces; n-grams may come in any order. A file without &lt;unk&gt; gets one
/// with log10 probability −100, as KenLM substitutes. An n-gram whose prefix is missing (pruned SRILM models) gets
/// that prefix added as a transparent entry: its probability is the backed-off one and its backoff 1, so every
/// probability stays what the file defines. &lt;s&gt; is never predicted, whatever probability the file gives it.
/// Values are checked as they are read: a log10 probability must be at most 0 (−∞, a probability of 0, is allowed),
/// a backoff finite. The counts the header declares are checked against the size of the file (each n-gram line takes
/// at least 2k + 2 bytes) before anything is allocated for them.
/// </remarks>
internal static class ArpaReader
{
    /// <summary>The log10 probability given to &lt;unk&gt; when the file has none (KenLM's choice).</summary>
    public const float MissingUnknownLog10Probability = -100f;

    /// <summary>Reads a model from an ARPA file.</summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed ARPA model; the message gives the line.</exception>
    public static NGramLanguageModel Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var reader = new StreamReader(path, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true, 1 << 16);
        return Read(reader, path);
    }

    // Sections are preallocated up to this many n-grams when the size of the text is unknown; beyond it they grow.
    private const int UnboundedPreallocation = 1 << 16;

    /// <summary>Reads a model from ARPA text.</summary>
    /// <param name="reader">The text.</param>
    /// <param name="sourceName">Name used in error messages.</param>
    /// <exception cref="InvalidDataException">The text is not a well-formed ARPA model; the message gives the line.</exception>
    /// <exception cref="InsufficientMemoryException">The n-grams (within what the file's size allows) do not fit in memory; the message gives the line.</exception>
    public static NGramLanguageModel Read(TextReader reader, string sourceName = "ARPA text")
    {
        ArgumentNullException.ThrowIfNull(reader);
        // The bytes left to read bound what the header may declare; unknown for text that is not a seekable stream.
        long? bytes = reader is StreamReader { BaseStream: { CanSeek: true } stream } ? stream.Length - stream.Position : null;
        var lines = new LineReader(reader, sourceName);
        var declared = ReadHeader(lines, bytes);
        var sections = new List<ArpaSection>();
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        try
        {
            for (int k = 1; k <= declared.Count; k++)
                sections.Add(ReadSection(lines, k, declared[k - 1], declared.Count, vocabulary, preallocate: bytes != null));
        }
        catch (OutOfMemoryException e) when (e is not InsufficientMemoryException)
        {
            throw new InsufficientMemoryException(lines.Error($"not enough memory to hold the n-grams read so far ({e.Message})").Message, e);
        }
        string? end = lines.NextNonEmpty();
        if (end != "\\end\\") throw lines.Error($"expected \\end\\ after the {declared.Count}-grams, found '{end ?? "end of file"}'");
        return ArpaModelAssembler.Assemble(vocabulary, sections, sourceName);
    }

    private static List<long> ReadHeader(LineReader lines, long? bytes)
    {
        long smallest = 0;   // the fewest bytes the declared n-gram lines can take
        string? line;
        while ((line = lines.Next()) != null && line.Trim() != "\\data\\") { }
        if (line is null) throw lines.Error("no \\data\\ header");
        var counts = new List<long>();
        while ((line = lines.Next()) != null)
        {
            line = line.Trim();
            if (line.Length == 0) { if (counts.Count > 0) break; continue; }
            if (line.StartsWith('\\'))
            {
                lines.PushBack(line);
                break;
            }
            if (!line.StartsWith("ngram ", StringComparison.Ordinal)) throw lines.Error($"expected 'ngram N=count', found '{line}'");
            var parts = line[6..].Split('=');
            if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int order) || order != counts.Count + 1
                || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long count) || count > int.MaxValue)
                throw lines.Error($"malformed or out-of-order count line '{line}'");
            // "p w₁ … w_k\n": a one-character probability and words, each after a separator, and a line end.
            smallest += count * (2L * order + 2);
            if (bytes is long available && smallest > available)
                throw lines.Error($"the header declares {count} {order}-grams, more than the {available}-byte file can hold ({2 * order + 2} bytes per line at least)");
            counts.Add(count);
        }
        if (counts.Count == 0) throw lines.Error("the \\data\\ header declares no n-gram counts");
        return counts;
    }

    private static ArpaSection ReadSection(LineReader lines, int order, long declared, int highest, Dictionary<string, int> vocabulary, bool preallocate)
    {
        string? header = lines.NextNonEmpty();
        if (header != $"\\{order}-grams:") throw lines.Error($"expected \\{order}-grams:, found '{header ?? "end of file"}'");
        // A declared count is checked against the file's size when that is known; otherwise it reserves only so much.
        var section = new ArpaSection(order, (int)(preallocate ? declared : Math.Min(declared, UnboundedPreallocation)));
        var separators = new[] { ' ', '\t' };
        var ids = new int[order];
        for (long i = 0; i < declared; i++)
        {
            string line = lines.NextNonEmpty() ?? throw lines.Error($"the file ends after {i} of {declared} {order}-grams");
            var fields = line.Split(separators, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != order + 1 && fields.Length != order + 2)
                throw lines.Error($"a {order}-gram line needs a probability, {order} word(s) and an optional backoff, but has {fields.Length} fields");
            float prob = ParseLog10(fields[0], lines);
            if (prob > 0) throw lines.Error($"log10 probability '{fields[0]}' is positive: a probability above 1");
            float backoff = fields.Length == order + 2 ? ParseLog10(fields[^1], lines) : 0f;
            if (fields.Length == order + 2 && order == highest) throw lines.Error($"an n-gram of the highest order ({order}) has a backoff weight");
            if (!float.IsFinite(backoff)) throw lines.Error($"backoff weight '{fields[^1]}' is not finite");
            for (int j = 0; j < order; j++)
            {
                string word = fields[1 + j];
                if (order == 1)
                {
                    if (!vocabulary.TryAdd(word, vocabulary.Count)) throw lines.Error($"the unigram '{word}' appears twice");
                    ids[j] = vocabulary[word];
                }
                else if (!vocabulary.TryGetValue(word, out ids[j])) throw lines.Error($"'{word}' is not among the unigrams");
            }
            section.Add(ids, prob, backoff);
        }
        return section;
    }

    private static float ParseLog10(string text, LineReader lines)
    {
        if (text is "-inf" or "-Infinity") return float.NegativeInfinity;
        if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || float.IsNaN(value) || float.IsPositiveInfinity(value))
            throw lines.Error($"'{text}' is not a log10 value");
        return value;
    }

    private sealed class LineReader(TextReader reader, string source)
    {
        private long _number;
        private string? _pushedBack;

        public void PushBack(string line) => _pushedBack = line;

        public string? Next()
        {
            if (_pushedBack != null)
            {
                string pushed = _pushedBack;
                _pushedBack = null;
                return pushed;
            }
            string? line = reader.ReadLine();
            if (line != null) _number++;
            return line;
        }

        public string? NextNonEmpty()
        {
            string? line;
            while ((line = Next()) != null)
                if (line.Trim().Length > 0) return line.Trim();
            return null;
        }

        public InvalidDataException Error(string message) => new($"{source}, line {_number}: {message}.");
    }
}
