namespace ArML.Examples.LogAnomalies;

/// <summary>
/// One log line: its timestamp, the rest of it (host, process, message: what the models read), its anomaly label
/// (1 = injected anomaly, as ML.NET's evaluator reads it) and the anomaly's kind.
/// </summary>
/// <remarks>
/// The models do not read timestamps: a held-out period always has times the training period never had, which every
/// model would find surprising on every line (log parsers such as DeepLog's drop them too).
/// </remarks>
public sealed class LogLine
{
    public string Time { get; set; } = "";
    public string Text { get; set; } = "";
    public float Label { get; set; }
    public string Kind { get; set; } = "";
}
