using ArML.Schema;
using ArML.Text;
using ArML.Torch;
using ArML.Trainers.Gpt;
using ArML.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using static TorchSharp.torch;
using ArML.Trainers.Generation;

namespace ArML.Trainers.Stateful;

/// <summary>
/// What the stateful trainers share from the data view to the transformer: column checks, reading the rows once,
/// seeding, the shared <see cref="TrainingLoop"/> over a <see cref="TruncatedBpttTask{TNetwork}"/>, and the output schema.
/// A family supplies only its network's shape and how to wrap the trained network.
/// </summary>
internal static class StatefulTraining
{
    /// <summary>Trains a network of the shape <paramref name="shape"/> gives for the data's vocabulary size.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The token column is missing or not a vector of keys.</exception>
    /// <exception cref="InvalidOperationException">The data has no tokens, or training diverged.</exception>
    public static LanguageModelTransformer Fit<TConfig, TNetwork>(MLContext context, IChainValidatedTrainer trainer, StatefulTrainerOptions options, IDataView input, string family,
        Func<int, TConfig> shape, Func<TConfig, TNetwork> build, Func<TNetwork, TokenIdLayout, Device, IAutoregressiveScorer> wrap)
        where TNetwork : nn.Module, IStatefulNetwork
    {
        ArgumentNullException.ThrowIfNull(input);
        int keyCount = KeyCount(input.Schema, options.TokenColumnName, "training");
        ChainValidation.Check(trainer, options.TokenColumnName);
        if (options.ValidationSet != null && KeyCount(options.ValidationSet.Schema, options.TokenColumnName, "validation") != keyCount)
            throw new ArgumentException($"The validation set's token column '{options.TokenColumnName}' has a different key count than the training data.");

        TorchRuntime.EnsureInitialized();
        using var host = ArmlHost.Create(context, family + "Trainer");
        // The vocabulary is the keys the training data uses, learned in the pass that reads it, plus the unknown token.
        var train = LanguageModelData.Read(input, options.TokenColumnName, null, 0, Layout(options), null, options.UnseenKeys);
        if (train.Rows == 0)
            throw new InvalidOperationException($"The training data has no tokens in column '{options.TokenColumnName}' (every row is empty).");
        var vocabulary = train.Layout;
        var config = shape(vocabulary.Size);
        var validation = ChainValidation.Read(trainer, input,
            view => LanguageModelData.Read(view, options.TokenColumnName, null, 0, Layout(options), train.Map, options.UnseenKeys));
        host.Info($"{family}: {train.Rows} rows, {train.Tokens.Length} ids ({train.Tokens.BytesPerToken} bytes each), vocabulary {vocabulary.Size} " +
                  $"({train.Map.UsedKeys.Count} of the column's {keyCount} keys, the unknown token and the separator).");

        int seed = options.Seed ?? host.NextSeed();
        var device = TorchRuntime.SelectDevice(context);
        torch.manual_seed(seed);
        var network = build(config);
        try
        {
            network.to(device);
            host.Info($"{family}: {network.parameters().Sum(p => p.numel())} parameters on {device}.");
            using var task = new TruncatedBpttTask<TNetwork>(network, Schedule(train, options),
                validation is { Rows: > 0 } ? Schedule(validation, options) : null, options.EvaluationBatches, device);
            // The batch size, window length and row resets shape the task's saved state (stream positions, hidden state).
            var fingerprint = new TrainingFingerprint()
                .With("model", new { family, config, vocabulary })
                .With("windows", new { options.BatchSize, options.SequenceLength, options.ResetStateAtRowStart })
                .With("training data", () => train.Fingerprint())
                .With("validation", () => validation is null ? null : new { data = validation.Fingerprint(), options.EvaluationBatches });
            TrainingLoop.Run(task, options, host, seed, fingerprint);
        }
        catch
        {
            network.Dispose();
            throw;
        }
        var column = input.Schema[options.TokenColumnName];
        return new LanguageModelTransformer(wrap(network, vocabulary, device),
            new LanguageModelColumns(options.TokenColumnName, TokenLogProbabilities: options.TokenLogProbabilities),
            KeyValuesCodec.FromColumn(column)?.Tokens, options.ScoringBatchSize, int.MaxValue, train.Map, TokenCodecAnnotation.CodecOf(column),
            shortcutSeeds: GenerationSeedSource.Draw(host))
            .WithFittedAnomalyScoring(options.AnomalyScoring, options.AnomalyScoring?.ReferenceSet ?? options.ValidationSet ?? input);
    }

    /// <summary>The input schema with the score columns appended, after checking the token column.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The token column is missing or not a vector of keys.</exception>
    public static SchemaShape OutputSchema(SchemaShape inputSchema, StatefulTrainerOptions options)
    {
        ColumnChecks.RequireTokenKeys(inputSchema, options.TokenColumnName);
        return SchemaShapeShim.Append(inputSchema, LanguageModelScoringMapper.ScoreColumnsSchema(options.TokenLogProbabilities, options.AnomalyScoring));
    }

    // Rows framed one by one when each is read from the start state; one separated stream otherwise.
    private static BatchLayout Layout(StatefulTrainerOptions options) => options.ResetStateAtRowStart ? BatchLayout.RowAligned : BatchLayout.RandomWindows;

    private static IWindowSchedule Schedule(LanguageModelData data, StatefulTrainerOptions options) => data.RowStarts is { } starts
        ? new RowWindows(data.Tokens, starts, options.BatchSize, options.SequenceLength)
        : new StreamWindows(data.Tokens, options.BatchSize, options.SequenceLength);

    private static int KeyCount(DataViewSchema schema, string column, string role)
    {
        var tokens = ColumnChecks.RequireTokenKeys(schema, column, role + " token");
        return checked((int)((KeyDataViewType)((VectorDataViewType)tokens.Type).ItemType).Count);
    }
}
