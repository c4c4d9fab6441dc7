using System.Buffers;

namespace ArML.Transforms.Text;

/// <summary>
/// Encodes one row of text as a tokenizer transform does: surrogate policy, the vocabulary's ids, unknown-token
/// policy, begin/end-of-sequence ids and truncation. Errors name the column and the row.
/// </summary>
internal sealed class RowEncoder
{
    private readonly TokenVocabulary _vocabulary;
    private readonly TokenizeOptions _options;
    private readonly string _column;
    private readonly int? _begin;
    private readonly int? _end;

    /// <exception cref="ArgumentException">A begin/end token is not in the vocabulary, or the maximum leaves no room.</exception>
    public RowEncoder(TokenVocabulary vocabulary, TokenizeOptions options, string inputColumnName)
    {
        _vocabulary = vocabulary;
        _options = options;
        _column = inputColumnName;
        _begin = Find(options.BeginOfSequenceToken, nameof(TokenizeOptions.BeginOfSequenceToken));
        _end = Find(options.EndOfSequenceToken, nameof(TokenizeOptions.EndOfSequenceToken));
        if (options.MaximumDegreeOfParallelism is < 1)
            throw new ArgumentOutOfRangeException(nameof(options), $"MaximumDegreeOfParallelism must be at least 1, not {options.MaximumDegreeOfParallelism}.");
        int specials = (_begin.HasValue ? 1 : 0) + (_end.HasValue ? 1 : 0);
        if (options.MaximumTokenCount is int max && max <= specials)
            throw new ArgumentException($"MaximumTokenCount {max} leaves no room for the row's tokens (begin/end tokens take {specials}).", nameof(options));
    }

    /// <summary>Threads that may encode one batch.</summary>
    public int DegreeOfParallelism => _options.MaximumDegreeOfParallelism ?? Environment.ProcessorCount;

    /// <summary>Characters of text worth a thread of their own (<see cref="TokenVocabulary.CharactersPerThread"/>).</summary>
    public int CharactersPerThread => _vocabulary.CharactersPerThread;

    /// <summary>Replaces <paramref name="ids"/> with the ids of <paramref name="text"/>, row <paramref name="row"/> of the column.</summary>
    public void Encode(ReadOnlySpan<char> text, long row, List<int> ids)
    {
        ids.Clear();
        if (_begin is int begin) ids.Add(begin);
        int first = ids.Count;
        EncodeText(text, row, ids);
        if (_options.UnknownTokens == UnknownTokenPolicy.Error && _vocabulary.UnknownId is int unknown)
        {
            int at = ids.IndexOf(unknown, first);
            if (at >= 0)
                throw new InvalidOperationException(
                    $"Row {row} of column '{_column}' has text outside the {_vocabulary.Description} (token {at - first} is unknown) and UnknownTokens is Error.");
        }
        if (_end is int end) ids.Add(end);
        Truncate(ids, first, row);
    }

    private void EncodeText(ReadOnlySpan<char> text, long row, List<int> ids)
    {
        if (text.IndexOfAnyInRange('\uD800', '\uDFFF') < 0)
        {
            _vocabulary.Encode(text, ids);
            return;
        }
        char[] buffer = ArrayPool<char>.Shared.Rent(text.Length);
        try
        {
            text.CopyTo(buffer);
            for (int i = 0; i < text.Length; i++)
            {
                if (char.IsHighSurrogate(buffer[i]) && i + 1 < text.Length && char.IsLowSurrogate(buffer[i + 1]))
                {
                    i++;
                    continue;
                }
                if (!char.IsSurrogate(buffer[i])) continue;
                if (_options.UnpairedSurrogates == UnpairedSurrogatePolicy.Error)
                    throw new InvalidOperationException(
                        $"Row {row} of column '{_column}' has an unpaired UTF-16 surrogate U+{(int)buffer[i]:X4} at position {i} and UnpairedSurrogates is Error.");
                buffer[i] = '\uFFFD';
            }
            _vocabulary.Encode(buffer.AsSpan(0, text.Length), ids);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    private void Truncate(List<int> ids, int first, long row)
    {
        if (_options.MaximumTokenCount is not int max || ids.Count <= max) return;
        int specials = first + (_end.HasValue ? 1 : 0);
        int content = ids.Count - specials;
        int keep = max - specials;
        switch (_options.Truncation)
        {
            case TruncationPolicy.Error:
                throw new InvalidOperationException(
                    $"Row {row} of column '{_column}' has {ids.Count} tokens, more than MaximumTokenCount {max}, and Truncation is Error.");
            case TruncationPolicy.KeepStart:
                ids.RemoveRange(first + keep, content - keep);
                break;
            default:
                ids.RemoveRange(first, content - keep);
                break;
        }
    }

    private int? Find(string? token, string option)
    {
        if (token is null) return null;
        if (_vocabulary.SpecialTokens.TryGetValue(token, out int special)) return special;
        for (int id = 0; id < _vocabulary.VocabularySize; id++)
            if (_vocabulary.GetToken(id) == token) return id;
        throw new ArgumentException($"{option} '{token}' is not a token of the {_vocabulary.Description}.", nameof(option));
    }
}
