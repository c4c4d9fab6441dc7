namespace ArML.Trainers;

/// <summary>How a language model turns a row's token log-probabilities into its anomaly <c>Score</c>.</summary>
public enum AnomalyScoreKind
{
    /// <summary>
    /// Mean surprisal: −LogLikelihood / TokenCount, in nats per predicted token. Rows of every length are compared on
    /// one scale, so a long ordinary row does not outrank a short strange one. The default.
    /// </summary>
    MeanSurprisal,

    /// <summary>
    /// Total surprisal: −LogLikelihood, in nats (the negative log-likelihood of the whole row, as the density models
    /// score). Long rows score higher than short ones of the same kind; right when rows have one length or when
    /// length itself is part of what is unusual.
    /// </summary>
    TotalSurprisal,
}
