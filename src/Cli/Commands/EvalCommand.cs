using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using ArML.Cli.IO;
using ArML.Evaluators;
using Microsoft.ML;

namespace ArML.Cli.Commands;

/// <summary><c>arml eval</c> (perplexity, bits per byte, bootstrap interval) and <c>arml compare</c> (paired bootstrap of two models).</summary>
internal static class EvalCommand
{
    public static Command CreateEval(CliSession session)
    {
        var model = new Argument<string>("model") { Description = "An ArML model file." };
        var data = new Argument<string>("data") { Description = "Test text: .txt (one row per line), .csv, .tsv or .parquet." };
        var column = ColumnOption();
        var resamples = ResamplesOption();
        var seed = SeedOption();
        var command = new Command("eval", "Perplexity, bits per token and per byte, with a bootstrap confidence interval.") { model, data, column, resamples, seed };
        command.SetAction(parsed =>
        {
            var console = session.OutputFor(parsed);
            var mlContext = new MLContext(seed: parsed.GetValue(seed));
            var source = RowSource.Open(parsed.GetValue(data)!, parsed.GetValue(column));
            using var file = ModelFile.Load(mlContext, parsed.GetValue(model)!);
            var scored = file.Model.Transform(TextData.FromRows(mlContext, source.Read(), file.TextColumnName));
            var metrics = mlContext.LanguageModeling().Evaluate(scored, Options(file.TextColumnName, parsed.GetValue(resamples), parsed.GetValue(seed)));
            var json = Json(metrics);
            json["command"] = "eval";
            json["model"] = file.Path;
            json["data"] = source.Path;
            console.Result(json, () => Text(metrics));
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command CreateCompare(CliSession session)
    {
        var modelA = new Argument<string>("model-a") { Description = "The first ArML model file (A)." };
        var modelB = new Argument<string>("model-b") { Description = "The second ArML model file (B)." };
        var data = new Argument<string>("data") { Description = "Test text both models score: .txt, .csv, .tsv or .parquet." };
        var column = ColumnOption();
        var resamples = ResamplesOption();
        var seed = SeedOption();
        var command = new Command("compare", "Compare two models on the same rows: perplexity difference with a paired bootstrap interval.")
        {
            modelA, modelB, data, column, resamples, seed,
        };
        command.SetAction(parsed =>
        {
            var console = session.OutputFor(parsed);
            var mlContext = new MLContext(seed: parsed.GetValue(seed));
            var source = RowSource.Open(parsed.GetValue(data)!, parsed.GetValue(column));
            using var a = ModelFile.Load(mlContext, parsed.GetValue(modelA)!);
            using var b = ModelFile.Load(mlContext, parsed.GetValue(modelB)!);
            var scoredA = a.Model.Transform(TextData.FromRows(mlContext, source.Read(), a.TextColumnName));
            var scoredB = b.Model.Transform(TextData.FromRows(mlContext, source.Read(), b.TextColumnName));
            // Bits per byte need one text column name in both scored views.
            string? text = a.TextColumnName == b.TextColumnName ? a.TextColumnName : null;
            var comparison = mlContext.LanguageModeling().Compare(scoredA, scoredB, Options(text, parsed.GetValue(resamples), parsed.GetValue(seed)));
            var json = new JsonObject
            {
                ["command"] = "compare",
                ["model_a"] = a.Path,
                ["model_b"] = b.Path,
                ["data"] = source.Path,
                ["rows"] = comparison.RowCount,
                ["perplexity_difference"] = comparison.PerplexityDifference,
                ["difference_interval"] = Interval(comparison.DifferenceInterval),
                ["fraction_a_better"] = comparison.FractionABetter,
                ["significant"] = comparison.IsSignificant,
                ["token_counts_match"] = comparison.TokenCountsMatch,
                ["a"] = Json(comparison.A),
                ["b"] = Json(comparison.B),
            };
            console.Result(json, () => string.Join(Environment.NewLine,
                $"A: {Text(comparison.A)}",
                $"B: {Text(comparison.B)}",
                comparison.ToString()));
            return ExitCodes.Success;
        });
        return command;
    }

    private static LanguageModelEvaluator.Options Options(string? textColumn, int resamples, int seed) =>
        new() { TextColumnName = textColumn, BootstrapResamples = resamples, Seed = seed };

    private static Option<string?> ColumnOption() => new("--column") { Description = "The text column of a .csv, .tsv or .parquet input." };

    private static Option<int> ResamplesOption() =>
        new("--resamples") { Description = "Bootstrap resamples for the 95% intervals (0: none).", DefaultValueFactory = _ => 1000 };

    private static Option<int> SeedOption() => new("--seed") { Description = "Seed of the bootstrap.", DefaultValueFactory = _ => 1 };

    private static JsonObject Json(LanguageModelMetrics m) => new()
    {
        ["rows"] = m.RowCount,
        ["empty_rows"] = m.EmptyRowCount,
        ["tokens"] = m.TokenCount,
        ["negative_log_likelihood"] = m.NegativeLogLikelihood,
        ["cross_entropy"] = m.CrossEntropy,
        ["perplexity"] = m.Perplexity,
        ["perplexity_interval"] = Interval(m.PerplexityInterval),
        ["bits_per_token"] = m.BitsPerToken,
        ["bytes"] = m.ByteCount,
        ["bits_per_byte"] = m.BitsPerByte,
        ["byte_perplexity"] = m.BytePerplexity,
        ["word_perplexity"] = m.WordPerplexity,
        ["sequence_perplexity"] = m.SequencePerplexity,
    };

    private static JsonObject? Interval(ConfidenceInterval? interval) => interval is { } i
        ? new JsonObject { ["lower"] = i.Lower, ["upper"] = i.Upper, ["level"] = i.Level }
        : null;

    private static string Text(LanguageModelMetrics m)
    {
        var c = CultureInfo.InvariantCulture;
        string interval = m.PerplexityInterval is { } i ? string.Format(c, " ({0:F0}% CI {1:F3}–{2:F3})", i.Level * 100, i.Lower, i.Upper) : "";
        string bytes = m.BitsPerByte is double bpb ? string.Format(c, ", {0:F4} bits/byte, word perplexity {1:F3}", bpb, m.WordPerplexity) : "";
        return string.Format(c, "perplexity {0:F4}{1}, {2:F4} bits/token{3}; {4:N0} rows, {5:N0} tokens", m.Perplexity, interval, m.BitsPerToken, bytes, m.RowCount, m.TokenCount);
    }
}
