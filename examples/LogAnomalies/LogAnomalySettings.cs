namespace ArML.Examples.LogAnomalies;

/// <summary>Sizes of a run. The defaults take a few minutes on 2 CPU cores; tests use tiny ones.</summary>
/// <param name="TrainLines">Normal lines the models learn from.</param>
/// <param name="ReferenceLines">Further normal lines that place each model's anomaly threshold (and validate the networks).</param>
/// <param name="TestLines">Held-out lines, from the period after, with injected anomalies.</param>
/// <param name="AnomalyRate">Share of held-out lines replaced by an anomaly.</param>
/// <param name="Iterations">Training steps of the LSTM and the GPT.</param>
/// <param name="Shown">Most surprising lines printed.</param>
/// <param name="Seed">Seed of the log stream and of ML.NET.</param>
public sealed record LogAnomalySettings(int TrainLines = 6000, int ReferenceLines = 1000, int TestLines = 3000, double AnomalyRate = 0.015,
    int Iterations = 300, int Shown = 8, int Seed = 1)
{
    /// <summary>Reads --train N, --reference N, --test N, --iterations N, --shown N, --seed N.</summary>
    public static LogAnomalySettings Parse(string[] args)
    {
        var settings = new LogAnomalySettings();
        for (int i = 0; i < args.Length; i++)
        {
            if (i + 1 >= args.Length || !int.TryParse(args[i + 1], out int value) || value < 1)
                throw new ArgumentException($"Argument '{args[i]}' needs a positive integer. Usage: [--train N] [--reference N] [--test N] [--iterations N] [--shown N] [--seed N]");
            settings = args[i++] switch
            {
                "--train" => settings with { TrainLines = value },
                "--reference" => settings with { ReferenceLines = value },
                "--test" => settings with { TestLines = value },
                "--iterations" => settings with { Iterations = value },
                "--shown" => settings with { Shown = value },
                "--seed" => settings with { Seed = value },
                var other => throw new ArgumentException($"Unknown argument '{other}'."),
            };
        }
        return settings;
    }
}
