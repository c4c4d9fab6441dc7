// ArML LogAnomalies: language models as anomaly detectors for system logs. Generates a seeded log stream, trains a
// character n-gram, an LSTM and a GPT on normal lines, scores a held-out period with injected anomalies (unknown
// message templates, out-of-order session state changes, unusual parameters) by mean surprisal per character, and
// prints AUC, precision at k and the most surprising lines with their surprising characters marked.
// Usage: dotnet run -c Release --project examples/LogAnomalies [-- --train N --reference N --test N --iterations N --shown N --seed N]
using ArML.Examples.LogAnomalies;

var clock = System.Diagnostics.Stopwatch.StartNew();
LogAnomalyExperiment.Run(LogAnomalySettings.Parse(args), Console.Out);
Console.WriteLine($"Total wall time {clock.Elapsed.TotalSeconds:F0} s.");
