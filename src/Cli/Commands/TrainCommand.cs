using System.CommandLine;
using System.Text.Json.Nodes;
using ArML.Cli.IO;
using ArML.Persistence;
using ArML.Text;
using ArML.Trainers.Gpt;
using ArML.Trainers.Lstm;
using ArML.Trainers.NGram;
using ArML.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Cli.Commands;

/// <summary><c>arml train gpt|lstm|ngram</c>: tokenizer + language model, saved as one ArML model file.</summary>
internal static class TrainCommand
{
    public static Command Create(CliSession session) =>
        new("train", "Train a language model on text and save it (tokenizer included) to one file.") { Gpt(session), Lstm(session), NGram(session) };

    private static Command Gpt(CliSession session)
    {
        var inputs = new TrainInputs();
        var loop = new LoopOptions();
        var context = new Option<int>("--context") { Description = "Context length in tokens.", DefaultValueFactory = _ => 64 };
        var layers = new Option<int>("--layers") { Description = "Transformer blocks.", DefaultValueFactory = _ => 4 };
        var heads = new Option<int>("--heads") { Description = "Attention heads.", DefaultValueFactory = _ => 4 };
        var embedding = new Option<int>("--embedding") { Description = "Embedding width.", DefaultValueFactory = _ => 128 };
        var dropout = new Option<double>("--dropout") { Description = "Dropout probability." };
        var precision = new Option<TrainingPrecision>("--precision") { Description = "Auto, Float32 or BFloat16.", DefaultValueFactory = _ => TrainingPrecision.Auto };
        var command = new Command("gpt", "A GPT (decoder-only transformer).") { context, layers, heads, embedding, dropout, precision };
        inputs.AddTo(command);
        loop.AddTo(command);
        command.SetAction(parsed =>
        {
            var options = new GptTrainer.Options
            {
                ContextLength = parsed.GetValue(context), LayerCount = parsed.GetValue(layers), HeadCount = parsed.GetValue(heads),
                EmbeddingSize = parsed.GetValue(embedding), Dropout = parsed.GetValue(dropout), Precision = parsed.GetValue(precision),
            };
            return Execute(parsed, session, inputs, "gpt", (loop, options),
                (ml, tokenColumn, tokens) => { options.TokenColumnName = tokenColumn; return ml.LanguageModeling().Trainers.Gpt(options).Fit(tokens); });
        });
        return command;
    }

    private static Command Lstm(CliSession session)
    {
        var inputs = new TrainInputs();
        var loop = new LoopOptions();
        var cell = new Option<RecurrentCell>("--cell") { Description = "Lstm or Gru.", DefaultValueFactory = _ => RecurrentCell.Lstm };
        var layers = new Option<int>("--layers") { Description = "Recurrent layers.", DefaultValueFactory = _ => 2 };
        var hidden = new Option<int>("--hidden") { Description = "Hidden size.", DefaultValueFactory = _ => 256 };
        var sequence = new Option<int>("--sequence-length") { Description = "Positions per truncated back-propagation window.", DefaultValueFactory = _ => 64 };
        var dropout = new Option<double>("--dropout") { Description = "Dropout probability." };
        var command = new Command("lstm", "An LSTM or GRU language model (--cell gru).") { cell, layers, hidden, sequence, dropout };
        inputs.AddTo(command);
        loop.AddTo(command);
        command.SetAction(parsed =>
        {
            var options = new LstmTrainer.Options
            {
                Cell = parsed.GetValue(cell), LayerCount = parsed.GetValue(layers), HiddenSize = parsed.GetValue(hidden),
                SequenceLength = parsed.GetValue(sequence), Dropout = parsed.GetValue(dropout),
            };
            return Execute(parsed, session, inputs, "lstm", (loop, options),
                (ml, tokenColumn, tokens) => { options.TokenColumnName = tokenColumn; return ml.LanguageModeling().Trainers.Lstm(options).Fit(tokens); });
        });
        return command;
    }

    private static Command NGram(CliSession session)
    {
        var inputs = new TrainInputs();
        var order = new Option<int>("--order") { Description = "N-gram order.", DefaultValueFactory = _ => 5 };
        var smoothing = new Option<NGramSmoothing>("--smoothing") { Description = "ModifiedKneserNey (KenLM's lmplz), KneserNey or AddK.", DefaultValueFactory = _ => NGramSmoothing.ModifiedKneserNey };
        var command = new Command("ngram", "A Kneser-Ney n-gram model (exportable as ARPA).") { order, smoothing };
        inputs.AddTo(command);
        command.SetAction(parsed =>
        {
            var options = new NGramTrainer.Options { Order = parsed.GetValue(order), Smoothing = parsed.GetValue(smoothing) };
            return Execute(parsed, session, inputs, "ngram", null,
                (ml, tokenColumn, tokens) => { options.TokenColumnName = tokenColumn; return ml.LanguageModeling().Trainers.NGram(options).Fit(tokens); });
        });
        return command;
    }

    private static int Execute(ParseResult parsed, CliSession session, TrainInputs inputs, string kind,
        (LoopOptions Loop, TrainerOptionsBase Options)? neural, Func<MLContext, string, IDataView, ITransformer> fit)
    {
        var console = session.OutputFor(parsed);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        string modelPath = parsed.GetValue(inputs.Output)!;
        string? column = parsed.GetValue(inputs.Column);
        var trainSource = RowSource.Open(parsed.GetValue(inputs.Data)!, column);
        var validSource = parsed.GetValue(inputs.Valid) is string validPath ? RowSource.Open(validPath, column) : null;
        var mlContext = new MLContext(seed: parsed.GetValue(inputs.Seed));
        // The trainer's own notes (resumed from a checkpoint, why it stopped, best weights kept) reach the user; its
        // progress lines come through TrainingProgressView instead.
        mlContext.Log += (_, e) =>
        {
            if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Info && e.Source.EndsWith("Trainer", StringComparison.Ordinal)
                && !e.RawMessage.StartsWith("iter ", StringComparison.Ordinal))
                console.Note(e.RawMessage);
        };

        var (tokenizer, textColumn, tokenColumn) = Tokenizer(parsed, inputs, mlContext, trainSource, console);
        var trainView = TextData.FromRows(mlContext, trainSource.Read(), textColumn);
        var validView = validSource == null ? null : TextData.FromRows(mlContext, validSource.Read(), textColumn);
        session.Cancellation.ThrowIfCancellationRequested();

        string? checkpoint = null;
        bool defaultCheckpoint = false;
        if (neural is var (loop, options))
        {
            (checkpoint, defaultCheckpoint) = loop.Apply(parsed, options, modelPath);
            if (parsed.GetValue(loop.Gpu) is int gpu) mlContext.GpuDeviceId = gpu;
            if (validView != null) options.ValidationSet = tokenizer.Transform(validView);
            options.CancellationToken = session.Cancellation;
            options.Validate();
            if (Directory.Exists(checkpoint) && Directory.EnumerateFiles(checkpoint).Any())
                console.Note(options.ResumeFromCheckpoint ? $"checkpoint folder {checkpoint} exists: resuming from it if it matches this run." : $"ignoring the checkpoint in {checkpoint} (--no-resume).");
        }

        TrainingProgress? last = null;
        ITransformer languageModel;
        try
        {
            languageModel = TrainingProgressView.Run(console, $"training {kind}", view =>
            {
                if (neural is var (_, options)) options.Progress = view;
                try
                {
                    return fit(mlContext, tokenColumn, tokenizer.Transform(trainView));
                }
                finally
                {
                    last = view.Last;
                }
            });
        }
        catch (OperationCanceledException)
        {
            session.InterruptMessage = checkpoint == null ? "interrupted; nothing was saved."
                : $"interrupted; checkpoint saved in '{checkpoint}': run the same command again to resume.";
            throw;
        }

        var model = new TransformerChain<ITransformer>(tokenizer, languageModel);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(modelPath));
        if (folder != null) Directory.CreateDirectory(folder);
        mlContext.Model.SaveArml(model, trainView.Schema, modelPath);
        if (defaultCheckpoint && checkpoint != null && Directory.Exists(checkpoint)) Directory.Delete(checkpoint, recursive: true);

        var result = new JsonObject
        {
            ["command"] = "train",
            ["kind"] = kind,
            ["model"] = Path.GetFullPath(modelPath),
            ["vocabulary_size"] = (tokenizer as ITokenizerTransformer)?.Codec.VocabularySize,
            ["iterations"] = last?.Iteration,
            ["training_loss"] = last?.Loss,
            ["tokens_per_second"] = last?.TokensPerSecond,
            ["checkpoint_dir"] = defaultCheckpoint ? null : checkpoint,
        };
        string validation = "";
        if (validView != null)
        {
            var metrics = mlContext.LanguageModeling().Evaluate(model.Transform(validView), textColumnName: textColumn);
            result["valid_perplexity"] = metrics.Perplexity;
            result["valid_bits_per_byte"] = metrics.BitsPerByte;
            validation = $", validation perplexity {metrics.Perplexity:F3} ({metrics.BitsPerByte:F3} bits/byte)";
        }
        result["seconds"] = clock.Elapsed.TotalSeconds;
        console.Result(result, () => $"{kind} model saved to {modelPath}{(last != null ? $" after {last.Iteration} iterations, training loss {last.Loss:F4}" : "")}{validation} in {clock.Elapsed.TotalSeconds:F1} s.");
        (languageModel as IDisposable)?.Dispose();
        return ExitCodes.Success;
    }

    // The tokenizer: loaded from --tokenizer (a folder of 'arml tokenize train', or its zip), else learned on the training text.
    private static (ITransformer Tokenizer, string TextColumn, string TokenColumn) Tokenizer(ParseResult parsed, TrainInputs inputs,
        MLContext mlContext, RowSource trainSource, CliOutput console)
    {
        if (parsed.GetValue(inputs.Tokenizer) is string path)
        {
            string file = Directory.Exists(path) ? Path.Combine(path, TokenizeCommand.TokenizerFileName) : path;
            if (!File.Exists(file)) throw new CliException($"--tokenizer '{path}': no {TokenizeCommand.TokenizerFileName} there (write one with 'arml tokenize train').");
            ITransformer loaded;
            try
            {
                loaded = mlContext.Model.LoadArml(file, out _);
            }
            catch (ArmlModelFormatException e)
            {
                throw new CliException($"--tokenizer '{file}' is not an ArML tokenizer file: {e.Message}");
            }
            var tokenizer = ModelFile.Flatten(loaded).OfType<ITokenizerTransformer>().LastOrDefault()
                ?? throw new CliException($"--tokenizer '{file}' holds no tokenizer.");
            return (tokenizer, tokenizer.InputColumnName, tokenizer.OutputColumnName);
        }
        var options = TokenizeCommand.TrainerOptions(parsed.GetValue(inputs.TokenizerKind)!, parsed.GetValue(inputs.Vocab), []);
        var learned = mlContext.Transforms.Text.TrainTokenizer("Tokens", "Text", options).Fit(TextData.FromRows(mlContext, trainSource.Read()));
        console.Note($"tokenizer: {learned.Vocabulary.Description}.");
        return (learned, "Text", "Tokens");
    }
}
