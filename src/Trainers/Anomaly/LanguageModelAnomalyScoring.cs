using ArML.Persistence;

namespace ArML.Trainers;

/// <summary>
/// A language model's fitted anomaly settings: how Score is computed, the threshold PredictedLabel compares it with,
/// and whether the per-token diagnostics are added. Saved with the model.
/// </summary>
/// <param name="ScoreKind">How a row's token log-probabilities become its Score.</param>
/// <param name="Threshold">PredictedLabel is true where Score is above it (nats per token, or nats; finite).</param>
/// <param name="TokenDiagnostics">Whether TokenSurprisals, TokenRanks and TopGMisses are added.</param>
/// <param name="TopG">The g of TopGMisses: tokens ranked above g are misses (at least 1).</param>
public sealed record LanguageModelAnomalyScoring(AnomalyScoreKind ScoreKind, float Threshold, bool TokenDiagnostics = false, int TopG = 9)
{
    private const string FileName = "anomaly.json";

    /// <summary>Why these settings cannot be used, or null.</summary>
    internal string? Problem() =>
        !Enum.IsDefined(ScoreKind) ? $"the score kind {ScoreKind} is unknown"
        : !float.IsFinite(Threshold) ? $"the threshold {Threshold} is not finite"
        : TopG < 1 ? $"TopG is {TopG}, below 1"
        : null;

    /// <summary>Throws when the settings cannot be used.</summary>
    internal LanguageModelAnomalyScoring Checked(string parameterName) =>
        Problem() is string problem ? throw new ArgumentOutOfRangeException(parameterName, $"Invalid anomaly scoring: {problem}.") : this;

    /// <summary>Writes "anomaly.json" into a model component when <paramref name="scoring"/> is set; nothing otherwise.</summary>
    internal static void Save(LanguageModelAnomalyScoring? scoring, ArmlComponentWriter writer)
    {
        if (scoring is null) return;
        writer.WriteJson(FileName, new SavedAnomalyScoring(scoring.ScoreKind.ToString(), scoring.Threshold, scoring.TokenDiagnostics, scoring.TopG));
    }

    /// <summary>The settings a component saved, or null (files without "anomaly.json", such as every file saved before it existed).</summary>
    /// <exception cref="ArmlModelFormatException">The file is damaged or holds settings that cannot be used.</exception>
    internal static LanguageModelAnomalyScoring? Load(ArmlComponentReader reader)
    {
        if (!reader.Contains(FileName)) return null;
        var saved = reader.ReadJson<SavedAnomalyScoring>(FileName);
        if (!Enum.TryParse(saved.ScoreKind, ignoreCase: false, out AnomalyScoreKind kind) || !Enum.IsDefined(kind))
            throw new ArmlModelFormatException($"Entry '{FileName}' of component {reader.Kind} names the unknown score kind '{saved.ScoreKind}'.");
        var scoring = new LanguageModelAnomalyScoring(kind, saved.Threshold, saved.TokenDiagnostics, saved.TopG);
        return scoring.Problem() is string problem
            ? throw new ArmlModelFormatException($"Entry '{FileName}' of component {reader.Kind} is invalid: {problem}.")
            : scoring;
    }
}

/// <summary>What "anomaly.json" holds (the kind by name, so that reordering the enum cannot change saved files).</summary>
internal sealed record SavedAnomalyScoring(string ScoreKind, float Threshold, bool TokenDiagnostics, int TopG);
