using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using ArML.Cli.IO;
using ArML.Evaluators;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Cli.Commands;

/// <summary>
/// <c>arml score</c>: each row's log-likelihood, token count and perplexity (and anomaly score when the model has one),
/// streamed from the input to CSV or Parquet; <c>--shard i/n</c> scores the i-th contiguous block of rows only.
/// </summary>
internal static class ScoreCommand
{
    public static Command Create(CliSession session)
    {
        var model = new Argument<string>("model") { Description = "An ArML model file." };
        var input = new Argument<string>("input") { Description = "Rows to score: .txt (one row per line), .csv, .tsv or .parquet." };
        var column = new Option<string?>("--column") { Description = "The text column of a .csv, .tsv or .parquet input." };
        var output = new Option<string>("--output", "-o") { Description = "scores.csv, scores.parquet or - (CSV on stdout). Sharded: {shard} in the name is the shard's index, else .part-i-of-n is added.", DefaultValueFactory = _ => "-" };
        var shard = new Option<string?>("--shard") { Description = "i/n: score only the i-th (from 0) of n contiguous blocks of rows; the parts concatenate to the whole." };
        var command = new Command("score", "Score every row: log-likelihood, token count, perplexity (and Score, for models with an anomaly score).")
        {
            model, input, column, output, shard,
        };
        command.SetAction(parsed =>
        {
            var console = session.OutputFor(parsed);
            var part = parsed.GetValue(shard) is string text ? Shard.Parse(text) : Shard.Whole;
            string outputPath = part.PartPath(parsed.GetValue(output)!);
            if (outputPath == "-" && console.Json) throw new CliException("--json needs the scores in a file (-o scores.csv): stdout carries the JSON summary.", ExitCodes.Usage);
            var mlContext = new MLContext(seed: 1);
            var source = RowSource.Open(parsed.GetValue(input)!, parsed.GetValue(column));
            using var file = ModelFile.Load(mlContext, parsed.GetValue(model)!);
            var clock = Stopwatch.StartNew();
            long total = part.IsWhole ? -1 : source.CountRows();
            var (start, count) = part.IsWhole ? (0L, long.MaxValue) : part.RangeOf(total);

            var scored = file.Model.Transform(TextData.FromRows(mlContext, source.Read(start, count), file.TextColumnName));
            var schema = scored.Schema;
            var scoreColumn = schema.GetColumnOrNull("Score") is { Type: NumberDataViewType { RawType: var raw } } s && raw == typeof(float) ? s : (DataViewSchema.Column?)null;
            var needed = new List<DataViewSchema.Column>
            {
                Column(schema, LanguageModelEvaluator.DefaultLogLikelihoodColumnName, file), Column(schema, LanguageModelEvaluator.DefaultTokenCountColumnName, file), Column(schema, "Perplexity", file),
            };
            if (scoreColumn is { } sc) needed.Add(sc);
            long rows = 0;
            using (var writer = ScoreWriter.Create(outputPath, session.Output, header: part.Index == 0, hasScore: scoreColumn != null))
            using (var cursor = scored.GetRowCursor(needed))
            {
                var logLikelihood = cursor.GetGetter<double>(needed[0]);
                var tokens = cursor.GetGetter<int>(needed[1]);
                var perplexity = cursor.GetGetter<double>(needed[2]);
                var anomaly = scoreColumn is { } column3 ? cursor.GetGetter<float>(column3) : null;
                double ll = 0, ppl = 0;
                int n = 0;
                float score = 0;
                while (cursor.MoveNext())
                {
                    session.Cancellation.ThrowIfCancellationRequested();
                    logLikelihood(ref ll);
                    tokens(ref n);
                    perplexity(ref ppl);
                    anomaly?.Invoke(ref score);
                    writer.Write(new ScoredRow(start + rows, ll, n, ppl, anomaly == null ? null : score));
                    if (++rows % 10000 == 0 && outputPath != "-") console.Note($"scored {rows:N0} rows, {rows / clock.Elapsed.TotalSeconds:N0} rows/s");
                }
                writer.Complete();
            }
            double seconds = clock.Elapsed.TotalSeconds;
            var json = new JsonObject
            {
                ["command"] = "score",
                ["model"] = file.Path,
                ["input"] = source.Path,
                ["column"] = source.ColumnName,
                ["output"] = outputPath == "-" ? "-" : Path.GetFullPath(outputPath),
                ["shard"] = part.IsWhole ? null : $"{part.Index}/{part.Count}",
                ["first_row"] = start,
                ["rows"] = rows,
                ["input_rows"] = part.IsWhole ? rows : total,
                ["seconds"] = seconds,
                ["rows_per_second"] = rows / Math.Max(seconds, 1e-9),
            };
            string summary = $"scored rows {start:N0}..{start + rows - 1:N0} ({rows:N0} rows) of {source.Path} into {outputPath} in {seconds:F1} s ({rows / Math.Max(seconds, 1e-9):N0} rows/s).";
            if (outputPath == "-") console.Note(summary);
            else console.Result(json, () => summary);
            return ExitCodes.Success;
        });
        return command;
    }

    private static DataViewSchema.Column Column(DataViewSchema schema, string name, ModelFile file) =>
        schema.GetColumnOrNull(name) ?? throw new CliException($"'{file.Path}' ({file.Kind}) does not produce a {name} column.");
}
