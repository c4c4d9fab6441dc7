using Microsoft.ML;

namespace ArML.Tests.Evaluators;

/// <summary>A scored row as any ArML scorer emits it, with the row's text.</summary>
public sealed class ScoredTextRow
{
    public double LogLikelihood { get; set; }
    public int TokenCount { get; set; }
    public string Text { get; set; } = "";
}

public static class ScoredTable
{
    public static IDataView Of(MLContext ml, params (double LogLikelihood, int TokenCount, string Text)[] rows) =>
        ml.Data.LoadFromEnumerable(rows.Select(r => new ScoredTextRow { LogLikelihood = r.LogLikelihood, TokenCount = r.TokenCount, Text = r.Text }).ToList());
}
