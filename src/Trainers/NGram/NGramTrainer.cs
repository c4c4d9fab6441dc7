using System.Runtime.CompilerServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using ArML.Data;
using ArML.Schema;
using ArML.Text;
using ArML.Trainers.Generation;

namespace ArML.Trainers.NGram;

/// <summary>
/// Trains a backoff n-gram language model on a token-key column: interpolated modified Kneser-Ney by default, built
/// exactly as KenLM's <c>lmplz</c> builds it. Create it with <c>mlContext.LanguageModeling().Trainers.NGram(options)</c>.
/// </summary>
/// <remarks>
/// | Column | Type | Role |
/// |---|---|---|
/// | <see cref="Options.TokenColumnName"/> | Vector&lt;Key&gt; (any key width) | input: token ids, one sentence per row |
/// | LogLikelihood | Double | output: natural-log probability of the row, its end included |
/// | TokenCount | Int32 | output: predicted tokens (row length + 1) |
/// | Perplexity | Double | output: exp(−LogLikelihood / TokenCount) |
///
/// KenLM's conventions: each row is a sentence &lt;s&gt; t₁…tₙ &lt;/s&gt; (an empty row is the sentence &lt;s&gt; &lt;/s&gt;);
/// the vocabulary is the keys seen in training plus &lt;unk&gt;, &lt;s&gt; and &lt;/s&gt;, and the lowest order is
/// interpolated with the uniform distribution over it (without &lt;s&gt;), so &lt;unk&gt; gets only that share. A key
/// whose value is "&lt;unk&gt;" (ArML's character tokenizer's key 1) is the model's &lt;unk&gt;; if it occurs in training
/// it is counted like any word (lmplz would refuse it). Keys never seen in training, and the missing key 0, score as
/// &lt;unk&gt; (or throw, with <see cref="Options.UnseenKeys"/>); a missing key in the training data counts as &lt;unk&gt;.
///
/// Fit reads the column once through a cursor and counts every order in that one pass, with n-grams packed into
/// 64-bit keys (prefix id, word) in open-addressing tables (about 20 bytes per distinct n-gram); the finished
/// model is a trie of 16 bytes per n-gram. Deterministic: no randomness is involved.
/// </remarks>
public sealed partial class NGramTrainer : IEstimator<NGramTransformer>
{
    /// <summary>The highest order accepted.</summary>
    public const int MaxOrder = 32;

    private readonly MLContext _context;
    private readonly Options _options;
    private readonly long[] _thresholds;

    internal NGramTrainer(MLContext context, Options options)
    {
        _thresholds = Validate(options);
        _context = context;
        _options = options;
    }

    /// <inheritdoc/>
    public NGramTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        string name = _options.TokenColumnName;
        var column = ColumnChecks.RequireTokenKeys(input.Schema, name);
        int keyCount = checked((int)((KeyDataViewType)((VectorDataViewType)column.Type).ItemType).Count);
        var vocabulary = KeyValuesCodec.FromColumn(column)?.Tokens;
        var spelled = ArpaWords.OfKeys(keyCount, vocabulary, name);

        // Counting word ids: <unk>, <s>, </s>, then the keys in key order (a key spelled <unk> is <unk> itself).
        var countingWords = new List<string> { ArpaWords.Unknown, ArpaWords.SentenceStart, ArpaWords.SentenceEnd };
        var wordOfKey = new int[keyCount];
        for (int id = 0; id < keyCount; id++)
        {
            wordOfKey[id] = spelled[id] == ArpaWords.Unknown ? NGramLanguageModel.UnknownWordId : countingWords.Count;
            if (wordOfKey[id] != NGramLanguageModel.UnknownWordId) countingWords.Add(spelled[id]);
        }

        using var host = ArmlHost.Create(_context, nameof(NGramTrainer));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var counter = new NGramCounter(_options.Order, countingWords.Count);
        var present = new bool[countingWords.Count];
        present[NGramLanguageModel.UnknownWordId] = present[NGramLanguageModel.SentenceStartId] = present[NGramLanguageModel.SentenceEndId] = true;
        Count(input, column, wordOfKey, counter, present);
        if (counter.Sentences == 0) throw new InvalidOperationException($"The training data has no rows in column '{name}'.");
        host.Info($"N-gram: counted {counter.Sentences} sentences, {counter.Words} tokens, orders 1..{_options.Order} in {clock.Elapsed.TotalSeconds:F2} s.");

        var estimator = new NGramEstimator(counter, present, _options.Smoothing, _options.AdditiveConstant, _options.DiscountFallback, _thresholds);
        var estimate = estimator.Estimate();
        var model = NGramTrieBuilder.Build(counter, estimate, present, countingWords.ToArray());
        Report(host, estimator, model);
        host.Info($"N-gram: model built in {clock.Elapsed.TotalSeconds:F2} s.");
        var transformer = new NGramTransformer(name, keyCount, vocabulary, model, _options.ScoringBatchSize, TokenCodecAnnotation.CodecOf(column),
            _options.UnseenKeys, shortcutSeeds: GenerationSeedSource.Draw(host));
        return _options.AnomalyScoring is { } anomaly ? transformer.WithAnomalyScoring(anomaly.ReferenceSet ?? input, anomaly) : transformer;
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ColumnChecks.RequireTokenKeys(inputSchema, _options.TokenColumnName);
        return SchemaShapeShim.Append(inputSchema, LanguageModelScoringMapper.ScoreColumnsSchema(anomaly: _options.AnomalyScoring));
    }

    /// <summary>Adds every row of the token column to the counter, marking the words that occur.</summary>
    // Optimized at once: the pass is often over before tiered compilation would promote its loop.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Count(IDataView input, DataViewSchema.Column column, int[] wordOfKey, NGramCounter counter, bool[] present)
    {
        using var cursor = input.GetRowCursor([column]);
        var reader = TokenIdReader.Create(cursor, column);
        var ids = new int[256];
        while (cursor.MoveNext())
        {
            int n = reader.ReadAllowingMissing(ref ids, cursor.Position);
            for (int i = 0; i < n; i++)
            {
                // A missing key (0) is an unknown word, as KenLM counts <unk> in its training text, unless the policy forbids it.
                if (ids[i] < 0 && _options.UnseenKeys == UnseenKeyPolicy.Throw)
                    throw new InvalidDataException($"Row {cursor.Position} of column '{column.Name}' holds the missing key 0 at position {i} and UnseenKeys is {_options.UnseenKeys}.");
                present[ids[i] = ids[i] < 0 ? NGramLanguageModel.UnknownWordId : wordOfKey[ids[i]]] = true;
            }
            counter.AddSentence(ids.AsSpan(0, n));
        }
    }

    private void Report(ArmlHost host, NGramEstimator estimator, NGramLanguageModel model)
    {
        for (int k = 1; k <= model.Order; k++)
        {
            var d = estimator.Discounts[k - 1];
            string discounts = _options.Smoothing == NGramSmoothing.AddK ? $"k={_options.AdditiveConstant}" : $"D1={d.D1:G5} D2={d.D2:G5} D3+={d.D3Plus:G5}";
            host.Info($"N-gram: order {k}: {model.NGramCount(k)} n-grams, {discounts}.");
            if (d.FellBack)
                host.Warning($"N-gram: the order-{k} discounts could not be estimated from counts-of-counts (usual for tiny vocabularies " +
                             "such as characters); the DiscountFallback values were used, as lmplz --discount_fallback does.");
        }
    }

    private static long[] Validate(Options o)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentException.ThrowIfNullOrEmpty(o.TokenColumnName, nameof(o.TokenColumnName));
        ArgumentOutOfRangeException.ThrowIfLessThan(o.Order, 1, nameof(o.Order));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(o.Order, MaxOrder, nameof(o.Order));
        if (!Enum.IsDefined(o.Smoothing)) throw new ArgumentOutOfRangeException(nameof(o), $"Smoothing {o.Smoothing} is not defined.");
        if (!(o.AdditiveConstant > 0) || !double.IsFinite(o.AdditiveConstant))
            throw new ArgumentOutOfRangeException(nameof(o), $"AdditiveConstant must be positive and finite, but is {o.AdditiveConstant}.");
        NGramDiscounts.Validate(o.DiscountFallback);
        ArgumentOutOfRangeException.ThrowIfLessThan(o.ScoringBatchSize, 1, nameof(o.ScoringBatchSize));
        if (!Enum.IsDefined(o.UnseenKeys)) throw new ArgumentOutOfRangeException(nameof(o), $"UnseenKeys {o.UnseenKeys} is not defined.");
        o.AnomalyScoring?.Validate();
        var thresholds = new long[o.Order + 1];
        if (o.PruneThresholds is not { Length: > 0 } prune) return thresholds;
        if (prune.Length > o.Order)
            throw new ArgumentException($"PruneThresholds has {prune.Length} values but the model has order {o.Order}.", nameof(o));
        if (prune[0] != 0) throw new ArgumentException("PruneThresholds[0] (unigrams) must be 0: unigrams are never pruned.", nameof(o));
        for (int k = 1; k <= o.Order; k++)
        {
            long t = prune[Math.Min(k, prune.Length) - 1];
            if (t < 0) throw new ArgumentException($"PruneThresholds holds the negative value {t}.", nameof(o));
            if (t < thresholds[k - 1])
                throw new ArgumentException("PruneThresholds must be non-decreasing, so that a kept n-gram keeps its prefix and suffix.", nameof(o));
            thresholds[k] = t;
        }
        return thresholds;
    }
}
