namespace ArML.Examples.LogAnomalies;

/// <summary>How well one model ranked the held-out lines.</summary>
/// <param name="Name">The model.</param>
/// <param name="Auc">Area under the ROC curve, from ML.NET's anomaly-detection evaluator.</param>
/// <param name="PrecisionAt10">Share of anomalies among the 10 highest scores.</param>
/// <param name="PrecisionAtK">Share of anomalies among the K highest scores, K the number of anomalies.</param>
/// <param name="Flagged">Lines whose PredictedLabel is true (score above the reference rows' 0.99 quantile).</param>
/// <param name="FlaggedAnomalies">Anomalies among them.</param>
/// <param name="CaughtByKind">Per anomaly kind: (among the K highest scores, in all).</param>
/// <param name="Seconds">Training and scoring time.</param>
public sealed record ModelReport(string Name, double Auc, double PrecisionAt10, double PrecisionAtK, int Flagged, int FlaggedAnomalies,
    IReadOnlyDictionary<string, (int Caught, int Total)> CaughtByKind, double Seconds);
