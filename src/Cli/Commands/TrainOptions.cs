using System.CommandLine;
using ArML.Training;

namespace ArML.Cli.Commands;

/// <summary>The data, tokenizer and output options every <c>arml train</c> model shares (one instance per subcommand).</summary>
internal sealed class TrainInputs
{
    public Option<string> Data { get; } = new("--data") { Description = "Training text: .txt (one row per line), .csv, .tsv or .parquet.", Required = true };

    public Option<string?> Valid { get; } = new("--valid") { Description = "Validation text (same formats): validation loss during training, perplexity at the end." };

    public Option<string?> Column { get; } = new("--column") { Description = "The text column of .csv, .tsv or .parquet inputs." };

    public Option<string> Output { get; } = new("--output", "-o") { Description = "The model file to write (one zip: tokenizer and model).", Required = true };

    public Option<string?> Tokenizer { get; } = new("--tokenizer") { Description = "A folder written by 'arml tokenize train' (or its tokenizer.zip); default: learn one here." };

    public Option<string> TokenizerKind { get; } = TokenizeCommand.KindOption("--tokenizer-kind", "char");

    public Option<int?> Vocab { get; } = new("--vocab") { Description = "Vocabulary size of a tokenizer learned here (bpe, word)." };

    public Option<int> Seed { get; } = new("--seed") { Description = "Seed of the MLContext (initialisation, sampling of batches).", DefaultValueFactory = _ => 1 };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Data, Valid, Column, Output, Tokenizer, TokenizerKind, Vocab, Seed }) command.Options.Add(option);
    }
}

/// <summary>The shared training-loop options of the neural models (<see cref="TrainerOptionsBase"/>).</summary>
internal sealed class LoopOptions
{
    public Option<int> Iterations { get; } = new("--iterations") { Description = "Optimizer steps at most.", DefaultValueFactory = _ => 2000 };

    public Option<int> BatchSize { get; } = new("--batch-size") { Description = "Examples per step.", DefaultValueFactory = _ => 12 };

    public Option<double> LearningRate { get; } = new("--learning-rate", "--lr") { Description = "Peak AdamW learning rate.", DefaultValueFactory = _ => 1e-3 };

    public Option<int> Warmup { get; } = new("--warmup") { Description = "Linear warm-up steps.", DefaultValueFactory = _ => 100 };

    public Option<double?> MaxMinutes { get; } = new("--max-minutes") { Description = "Wall-clock budget in minutes." };

    public Option<int> EvalInterval { get; } = new("--eval-interval") { Description = "Steps between progress reports and validation.", DefaultValueFactory = _ => 100 };

    public Option<int> EvalBatches { get; } = new("--eval-batches") { Description = "Validation batches per evaluation.", DefaultValueFactory = _ => 20 };

    public Option<int?> EarlyStopping { get; } = new("--early-stopping") { Description = "Stop after this many evaluations without a better validation loss (needs --valid)." };

    public Option<string?> CheckpointDir { get; } = new("--checkpoint-dir") { Description = "Checkpoint folder (default: MODEL.checkpoint, removed after success). A run finds its checkpoint there and resumes." };

    public Option<int> CheckpointInterval { get; } = new("--checkpoint-interval") { Description = "Steps between checkpoints (Ctrl-C always writes one).", DefaultValueFactory = _ => 500 };

    public Option<bool> NoResume { get; } = new("--no-resume") { Description = "Ignore a checkpoint left by an earlier run and start afresh." };

    public Option<int?> Gpu { get; } = new("--gpu") { Description = "CUDA device to train on (needs a CUDA backend build)." };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Iterations, BatchSize, LearningRate, Warmup, MaxMinutes, EvalInterval, EvalBatches, EarlyStopping,
                     CheckpointDir, CheckpointInterval, NoResume, Gpu })
            command.Options.Add(option);
    }

    /// <summary>Copies the parsed values into the trainer's options; the checkpoint folder defaults to <paramref name="modelPath"/>.checkpoint.</summary>
    public (string Folder, bool IsDefault) Apply(ParseResult parsed, TrainerOptionsBase options, string modelPath)
    {
        options.MaxIterations = parsed.GetValue(Iterations);
        options.BatchSize = parsed.GetValue(BatchSize);
        options.LearningRate = parsed.GetValue(LearningRate);
        options.WarmupIterations = parsed.GetValue(Warmup);
        if (parsed.GetValue(MaxMinutes) is double minutes) options.MaxTime = TimeSpan.FromMinutes(minutes);
        options.EvaluationInterval = parsed.GetValue(EvalInterval);
        options.EvaluationBatches = parsed.GetValue(EvalBatches);
        options.EarlyStoppingPatience = parsed.GetValue(EarlyStopping);
        options.CheckpointInterval = parsed.GetValue(CheckpointInterval);
        options.ResumeFromCheckpoint = !parsed.GetValue(NoResume);
        string? folder = parsed.GetValue(CheckpointDir);
        options.CheckpointDirectory = folder ?? modelPath + ".checkpoint";
        return (options.CheckpointDirectory, folder == null);
    }
}
