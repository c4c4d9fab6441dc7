using System.Diagnostics;
using Microsoft.ML;
using ArML.Schema;
using ArML.Transforms.Text.Encodings;
using ArML.Transforms.Text.Training;

namespace ArML.Transforms.Text;

/// <summary>
/// Learns a vocabulary from a text column in <c>Fit</c> (byte-level BPE, words or characters) and returns the
/// <see cref="TokenizerTransformer"/> that tokenizes with it. Create it with <c>mlContext.Transforms.Text.TrainTokenizer</c>
/// or <c>TokenizeCharacters</c>.
/// </summary>
/// <remarks>
/// <c>Fit</c> reads the input column once through a cursor; unpaired surrogates count as U+FFFD (BPE) or are skipped
/// (words, characters). The learned vocabulary does not depend on row order. Progress goes to
/// <see cref="TokenizerTrainerOptions.Progress"/>.
/// </remarks>
public sealed class TokenizerTrainingEstimator : IEstimator<TokenizerTransformer>
{
    private const int ProgressEveryRows = 50_000;
    private readonly string _outputColumnName;
    private readonly string _inputColumnName;
    private readonly TokenizerTrainerOptions _options;
    private readonly TokenizeOptions _tokenizeOptions;

    internal TokenizerTrainingEstimator(string outputColumnName, string inputColumnName, TokenizerTrainerOptions options, TokenizeOptions? tokenizeOptions)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        ArgumentException.ThrowIfNullOrEmpty(inputColumnName);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _outputColumnName = outputColumnName;
        _inputColumnName = inputColumnName;
        _options = options.Clone();
        _options.SpecialTokens = [.. options.SpecialTokens];
        _tokenizeOptions = tokenizeOptions?.Clone() ?? new TokenizeOptions();
    }

    /// <summary>Reads the input column, learns the vocabulary and returns the tokenizer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or not text.</exception>
    /// <exception cref="ArgumentException">The tokenize options name a begin/end token the learned vocabulary lacks.</exception>
    public TokenizerTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var column = ColumnChecks.RequireText(input.Schema, _inputColumnName);
        var clock = Stopwatch.StartNew();
        TokenVocabulary vocabulary = _options.Kind switch
        {
            TokenizerKind.Character => TrainCharacters(input, column, clock),
            TokenizerKind.Word => TrainWords(input, column, clock),
            _ => TrainBpe(input, column, clock),
        };
        return new TokenizerTransformer(_outputColumnName, _inputColumnName, vocabulary, _tokenizeOptions);
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ColumnChecks.RequireText(inputSchema, _inputColumnName);
        // The vocabulary is unknown before Fit; a placeholder conveys the column's kind and annotations.
        return SchemaShapeShim.Append(inputSchema, TokenKeyColumn.SchemaOf(_outputColumnName, new CharacterVocabulary([])));
    }

    private CharacterVocabulary TrainCharacters(IDataView input, DataViewSchema.Column column, Stopwatch clock)
    {
        var seen = new HashSet<int>();
        long rows = ReadRows(input, column, clock, text => CharacterVocabulary.CollectCodePoints(text, seen), () => seen.Count);
        var vocabulary = new CharacterVocabulary(seen, _options.SpecialTokens);
        Report("done", rows, seen.Count, clock, vocabulary.VocabularySize);
        return vocabulary;
    }

    private WordVocabulary TrainWords(IDataView input, DataViewSchema.Column column, Stopwatch clock)
    {
        var counts = new WordCounts(CodePointPreTokenizer.Of(_options.WordSplitting));
        ReadRows(input, column, clock, counts.Add, () => counts.Counts.Count);
        int room = (_options.MaximumVocabularySize ?? int.MaxValue) - 1 - _options.SpecialTokens.Count;
        var reserved = new HashSet<string>(_options.SpecialTokens.Append(_options.UnknownToken), StringComparer.Ordinal);
        var words = counts.Counts
            .Where(p => p.Value >= _options.MinimumWordCount && !reserved.Contains(p.Key))
            .OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal)
            .Take(room).Select(p => p.Key).ToList();
        var vocabulary = new WordVocabulary(words, _options.UnknownToken, _options.SpecialTokens, _options.WordSplitting);
        Report("done", counts.Rows, counts.Counts.Count, clock, vocabulary.VocabularySize);
        return vocabulary;
    }

    private BpeVocabulary TrainBpe(IDataView input, DataViewSchema.Column column, Stopwatch clock)
    {
        var counts = new WordCounts(CodePointPreTokenizer.Gpt2);
        ReadRows(input, column, clock, counts.Add, () => counts.Counts.Count);
        return new ByteLevelBpeTrainer(_options).Train(counts.Counts, counts.Rows, clock);
    }

    private long ReadRows(IDataView input, DataViewSchema.Column column, Stopwatch clock, SpanAction add, Func<int> distinct)
    {
        long rows = 0;
        using var cursor = input.GetRowCursor([column]);
        var getter = cursor.GetGetter<ReadOnlyMemory<char>>(column);
        ReadOnlyMemory<char> text = default;
        while (cursor.MoveNext())
        {
            getter(ref text);
            add(text.Span);
            if (++rows % ProgressEveryRows == 0) Report("counting", rows, distinct(), clock);
        }
        Report("counting", rows, distinct(), clock);
        return rows;
    }

    private void Report(string phase, long rows, int distinct, Stopwatch clock, int vocabularySize = 0) =>
        _options.Progress?.Report(new TokenizerTrainingProgress(phase, rows, distinct, vocabularySize, 0, clock.Elapsed));

    private delegate void SpanAction(ReadOnlySpan<char> text);
}
