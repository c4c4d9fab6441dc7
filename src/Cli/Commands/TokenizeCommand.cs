using System.CommandLine;
using System.Text.Json.Nodes;
using ArML.Cli.IO;
using ArML.Persistence;
using ArML.Transforms.Text;
using Microsoft.ML;

namespace ArML.Cli.Commands;

/// <summary><c>arml tokenize train</c>: learns a BPE, word or character vocabulary and writes it to a folder.</summary>
internal static class TokenizeCommand
{
    /// <summary>The file in a tokenizer folder that <c>arml train --tokenizer</c> reads.</summary>
    public const string TokenizerFileName = "tokenizer.zip";

    public static Command Create(CliSession session)
    {
        var kind = KindOption();
        var vocab = new Option<int?>("--vocab") { Description = "bpe: the exact vocabulary size (default 8192); word: the largest vocabulary (default: every word)." };
        var special = new Option<string[]>("--special-token") { Description = "A special token (e.g. <|endoftext|>); repeat for several.", AllowMultipleArgumentsPerToken = true };
        var column = new Option<string?>("--column") { Description = "The text column of a .csv, .tsv or .parquet corpus." };
        var output = new Option<string>("--output", "-o") { Description = "The folder to write.", Required = true };
        var corpus = new Argument<string>("corpus") { Description = "Training text: a .txt file (one row per line), .csv, .tsv or .parquet." };
        var train = new Command("train", "Learn a tokenizer: tokenizer.zip for arml train --tokenizer, plus vocab.json and merges.txt (Hugging Face) for BPE.")
        {
            corpus, kind, vocab, special, column, output,
        };
        train.SetAction(parsed =>
        {
            var console = session.OutputFor(parsed);
            var options = TrainerOptions(parsed.GetValue(kind)!, parsed.GetValue(vocab), parsed.GetValue(special) ?? []);
            var source = RowSource.Open(parsed.GetValue(corpus)!, parsed.GetValue(column));
            string folder = parsed.GetValue(output)!;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            options.Progress = new SynchronousProgress<TokenizerTrainingProgress>(p =>
            {
                if (p.Phase != "counting") console.Note($"tokenizer: {p.Phase}, {p.RowsRead:N0} rows, vocabulary {p.VocabularySize:N0}, {p.Elapsed.TotalSeconds:F1} s");
            });
            var mlContext = new MLContext(seed: 1);
            var data = TextData.FromRows(mlContext, source.Read());
            var tokenizer = mlContext.Transforms.Text.TrainTokenizer("Tokens", "Text", options).Fit(data);
            session.Cancellation.ThrowIfCancellationRequested();
            Directory.CreateDirectory(folder);
            mlContext.Model.SaveArml(tokenizer, data.Schema, Path.Combine(folder, TokenizerFileName));
            var files = new JsonArray(TokenizerFileName);
            if (tokenizer.Vocabulary is BpeVocabulary bpe)
            {
                bpe.SaveFiles(folder);
                files.Add("vocab.json");
                files.Add("merges.txt");
            }
            var result = new JsonObject
            {
                ["command"] = "tokenize train",
                ["kind"] = parsed.GetValue(kind),
                ["vocabulary_size"] = tokenizer.Vocabulary.VocabularySize,
                ["description"] = tokenizer.Vocabulary.Description,
                ["folder"] = Path.GetFullPath(folder),
                ["files"] = files,
                ["seconds"] = clock.Elapsed.TotalSeconds,
            };
            console.Result(result, () => $"{tokenizer.Vocabulary.Description} written to {folder} ({string.Join(", ", files.Select(f => f!.ToString()))}) in {clock.Elapsed.TotalSeconds:F1} s.");
            return ExitCodes.Success;
        });
        return new Command("tokenize", "Tokenizers.") { train };
    }

    /// <summary>--kind bpe|word|char; train reuses it for a tokenizer learned on the fly.</summary>
    public static Option<string> KindOption(string name = "--kind", string fallback = "bpe")
    {
        var option = new Option<string>(name) { Description = "bpe (byte-level, GPT-2 style), word or char.", DefaultValueFactory = _ => fallback };
        option.AcceptOnlyFromAmong("bpe", "word", "char");
        return option;
    }

    /// <summary>The library's options for a kind and vocabulary size.</summary>
    public static TokenizerTrainerOptions TrainerOptions(string kind, int? vocabulary, IReadOnlyList<string> specialTokens)
    {
        var options = new TokenizerTrainerOptions { SpecialTokens = specialTokens };
        switch (kind)
        {
            case "bpe":
                options.Kind = TokenizerKind.ByteLevelBpe;
                if (vocabulary is int size) options.VocabularySize = size;
                break;
            case "word":
                options.Kind = TokenizerKind.Word;
                options.MaximumVocabularySize = vocabulary;
                break;
            default:
                if (vocabulary != null) throw new CliException("--vocab does not apply to a character tokenizer (its vocabulary is the characters seen).", ExitCodes.Usage);
                options.Kind = TokenizerKind.Character;
                break;
        }
        return options;
    }
}

/// <summary>An <see cref="IProgress{T}"/> that calls back on the reporting thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
