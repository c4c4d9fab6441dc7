using Microsoft.ML;

namespace ArML.Trainers;

/// <summary>
/// What a language model's anomaly columns hold: the <c>Score</c> (<see cref="ScoreKind"/>), the quantile placing the
/// <c>PredictedLabel</c> threshold, and the per-token diagnostics. Given on a trainer's options (<c>AnomalyScoring</c>)
/// or to <c>WithAnomalyScoring</c> of a trained model; every default is stated on its member.
/// </summary>
public sealed class LanguageModelAnomalyOptions
{
    /// <summary>How a row's token log-probabilities become its Score. Default <see cref="AnomalyScoreKind.MeanSurprisal"/>.</summary>
    public AnomalyScoreKind ScoreKind { get; set; } = AnomalyScoreKind.MeanSurprisal;

    /// <summary>
    /// Quantile of the reference rows' scores (the validation set when the trainer has one, else the training rows,
    /// or the rows given to <c>WithAnomalyScoring</c>) used as the threshold: PredictedLabel is true above it. With
    /// 0.99, about 1 % of rows like the reference ones are flagged. Default 0.99; in [0, 1].
    /// </summary>
    public double ThresholdQuantile { get; set; } = 0.99;

    /// <summary>
    /// For trainers: the ordinary rows whose scores place the threshold. Null (default): the trainer's validation set,
    /// else its training rows. Training rows score lower than unseen ordinary rows (the model has learnt them; an
    /// n-gram model of high order nearly memorizes them), so held-out rows give a threshold that flags closer to
    /// 1 − <see cref="ThresholdQuantile"/> of new ordinary rows. <c>WithAnomalyScoring</c> takes its rows as an argument instead.
    /// </summary>
    public IDataView? ReferenceSet { get; set; }

    /// <summary>
    /// Reference rows scored to place the threshold: the first this many (a quantile needs no more). Default 10,000;
    /// at least 1.
    /// </summary>
    public int MaxReferenceRows { get; set; } = 10_000;

    /// <summary>
    /// Add the per-token columns TokenSurprisals (each predicted token's −log p), TokenRanks (the true token's rank
    /// under the model, 1 = most probable) and TopGMisses (tokens ranked below <see cref="TopG"/>). Ranks compare the
    /// true token with the whole predicted distribution, which costs one comparison per vocabulary entry and token.
    /// Default false.
    /// </summary>
    public bool TokenDiagnostics { get; set; }

    /// <summary>
    /// The g of DeepLog's rule: a token is a miss when its rank is above g (not among the g most probable). Default 9;
    /// at least 1.
    /// </summary>
    public int TopG { get; set; } = 9;

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is outside its range (the message names it).</exception>
    public void Validate()
    {
        if (!Enum.IsDefined(ScoreKind)) throw new ArgumentOutOfRangeException(nameof(ScoreKind), $"ScoreKind {ScoreKind} is not an AnomalyScoreKind.");
        if (!(ThresholdQuantile is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(ThresholdQuantile), $"ThresholdQuantile must be in [0, 1], but is {ThresholdQuantile}.");
        if (MaxReferenceRows < 1) throw new ArgumentOutOfRangeException(nameof(MaxReferenceRows), $"MaxReferenceRows must be at least 1, but is {MaxReferenceRows}.");
        if (TopG < 1) throw new ArgumentOutOfRangeException(nameof(TopG), $"TopG must be at least 1, but is {TopG}.");
    }
}
