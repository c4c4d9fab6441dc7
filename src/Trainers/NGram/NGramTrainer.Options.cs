using ArML.Data;

namespace ArML.Trainers.NGram;

public sealed partial class NGramTrainer
{
    /// <summary>Options of <see cref="NGramTrainer"/>; every default is stated on its member.</summary>
    public sealed class Options
    {
        /// <summary>Token column: a vector of keys of any width. Default "Tokens".</summary>
        public string TokenColumnName { get; set; } = DefaultColumnNames.Tokens;

        /// <summary>Longest n-gram: the model conditions on the previous Order − 1 tokens. Default 5, at least 1.</summary>
        public int Order { get; set; } = DefaultOrder;

        /// <summary>The default of <see cref="Order"/>, which the simple catalog overload takes too.</summary>
        internal const int DefaultOrder = 5;

        /// <summary>How counts become probabilities. Default <see cref="NGramSmoothing.ModifiedKneserNey"/>.</summary>
        public NGramSmoothing Smoothing { get; set; } = NGramSmoothing.ModifiedKneserNey;

        /// <summary>The k of <see cref="NGramSmoothing.AddK"/> (pseudo-count per word); ignored otherwise. Default 1 (Laplace); must be positive.</summary>
        public double AdditiveConstant { get; set; } = 1.0;

        /// <summary>
        /// Discounts for adjusted counts 1, 2 and 3+ used for an order whose counts-of-counts give no valid estimate
        /// (a zero count-of-count, or a discount outside [0, count]), as <c>lmplz --discount_fallback</c> does; the
        /// substitution is logged. Tiny vocabularies such as characters need it for order 1. Default {0.5, 1, 1.5}
        /// (lmplz's). Null makes such an order an error, as lmplz without the flag. <see cref="NGramSmoothing.KneserNey"/>
        /// uses the first value.
        /// </summary>
        public double[]? DiscountFallback { get; set; } = [0.5, 1.0, 1.5];

        /// <summary>
        /// Count pruning, as <c>lmplz --prune</c>: element i is the threshold of order i + 1, and an n-gram of order
        /// 2 or more that occurs at most that many times is dropped, its probability mass moving to its context's
        /// backoff. Values must be non-decreasing (so that a kept n-gram keeps its prefix and suffix) and the first
        /// must be 0 (unigrams are never pruned); a short array repeats its last value. Default null: no pruning.
        /// </summary>
        public long[]? PruneThresholds { get; set; }

        /// <summary>Rows a scoring cursor reads ahead of the row it returns (each is scored as it is read). Default 64.</summary>
        public int ScoringBatchSize { get; set; } = 64;

        /// <summary>
        /// Keys without a model word — the missing key 0, or a key never seen in training: score them as &lt;unk&gt;
        /// (default), or throw naming the column and row. Kept with the model.
        /// </summary>
        public ArML.Data.UnseenKeyPolicy UnseenKeys { get; set; } = ArML.Data.UnseenKeyPolicy.ScoreAsUnknown;

        /// <summary>
        /// Add the anomaly columns (Score, PredictedLabel and, if asked, the token diagnostics), with the threshold placed
        /// on the scores of <see cref="LanguageModelAnomalyOptions.ReferenceSet"/> (else of the training rows, which an
        /// n-gram model scores optimistically: give held-out rows). Null (default) adds none; a trained model gets them
        /// with <see cref="NGramTransformer.WithAnomalyScoring(Microsoft.ML.IDataView, LanguageModelAnomalyOptions?)"/>.
        /// </summary>
        public LanguageModelAnomalyOptions? AnomalyScoring { get; set; }
    }
}
