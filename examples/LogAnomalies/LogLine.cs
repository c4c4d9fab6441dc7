namespace ArML.Examples.LogAnomalies;

/// <summary>One log line: its text, its anomaly label (1 = injected anomaly, as ML.NET's evaluator reads it) and the anomaly's kind.</summary>
public sealed class LogLine
{
    public string Text { get; set; } = "";
    public float Label { get; set; }
    public string Kind { get; set; } = "";
}
