namespace ArML.Examples.QuickStart;

/// <summary>
/// Character unigram model with add-one smoothing, fitted on training rows; predicts each character and the end
/// of the row independently of context. The baseline any sequence model must beat.
/// </summary>
internal sealed class UnigramBaseline
{
    private readonly Dictionary<int, double> _logP;
    private readonly double _unknownLogP;
    private readonly double _endLogP;

    private UnigramBaseline(Dictionary<int, double> logP, double unknownLogP, double endLogP)
    {
        _logP = logP;
        _unknownLogP = unknownLogP;
        _endLogP = endLogP;
    }

    public static UnigramBaseline Fit(IEnumerable<string> rows)
    {
        var counts = new Dictionary<int, long>();
        long ends = 0, total = 0;
        foreach (var row in rows)
        {
            foreach (var rune in row.EnumerateRunes())
            {
                counts[rune.Value] = counts.GetValueOrDefault(rune.Value) + 1;
                total++;
            }
            ends++;
        }
        // Add-one smoothing over the seen symbols, the end symbol and one "unknown" symbol.
        double denominator = total + ends + counts.Count + 2;
        var logP = counts.ToDictionary(kv => kv.Key, kv => Math.Log((kv.Value + 1) / denominator));
        return new UnigramBaseline(logP, Math.Log(1 / denominator), Math.Log((ends + 1) / denominator));
    }

    /// <summary>−log P(row), its end included, in nats.</summary>
    public double NegativeLogLikelihood(string row) =>
        -(row.EnumerateRunes().Sum(r => _logP.GetValueOrDefault(r.Value, _unknownLogP)) + _endLogP);
}
