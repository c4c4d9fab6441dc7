using ArML.Training;
using Microsoft.ML;

namespace ArML.Trainers;

/// <summary>An ArML trainer that can take its validation data through the steps before it in a chain.</summary>
internal interface IChainValidatedTrainer
{
    /// <summary>The trainer's shared options (its <see cref="TrainerOptionsBase.ValidationSet"/> in particular).</summary>
    TrainerOptionsBase TrainingOptions { get; }
}

/// <summary>
/// Where an ArML trainer gets its validation data: its <see cref="TrainerOptionsBase.ValidationSet"/> (already in the
/// trainer's input schema), or the validation data given to <see cref="ValidationChainExtensions.Fit"/>, read
/// through the chain's fitted earlier steps. Also the errors that say how to choose.
/// </summary>
internal sealed class ChainValidation
{
    // Set only while ValidationChainExtensions.Fit runs the chain, for the chain's final trainer.
    private static readonly AsyncLocal<ChainValidation?> Active = new();
    private readonly object _trainer;
    private readonly ValidationSwitchView _source;

    private ChainValidation(object trainer, ValidationSwitchView source)
    {
        _trainer = trainer;
        _source = source;
    }

    /// <summary>Makes <paramref name="trainer"/> read its validation data from <paramref name="source"/> until disposed.</summary>
    public static IDisposable Begin(IChainValidatedTrainer trainer, ValidationSwitchView source)
    {
        var previous = Active.Value;
        Active.Value = new ChainValidation(trainer, source);
        return new End(previous);
    }

    /// <summary>
    /// Checks, before any data is read, that <paramref name="trainer"/> will have what it needs: a configured
    /// ValidationSet has <paramref name="columns"/>, and early stopping has validation data.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The ValidationSet lacks one of <paramref name="columns"/> (the message says what to do instead).</exception>
    /// <exception cref="ArgumentException">Early stopping is asked for without validation data.</exception>
    public static void Check(IChainValidatedTrainer trainer, params string?[] columns)
    {
        var options = trainer.TrainingOptions;
        if (For(trainer) == null && options.ValidationSet is IDataView configured)
            foreach (string column in columns.OfType<string>().Where(c => configured.Schema.GetColumnOrNull(c) == null))
                throw new ArgumentOutOfRangeException(nameof(TrainerOptionsBase.ValidationSet),
                    $"The ValidationSet has no column '{column}'. ValidationSet must already hold the trainer's input columns; when the trainer " +
                    "follows other steps (a tokenizer, Concatenate, …), leave ValidationSet unset and fit the chain with " +
                    "chain.Fit(train, validation) (ArML.ValidationChainExtensions), which passes the validation data through those steps.");
        if (For(trainer) == null && options.ValidationSet == null && options.EarlyStoppingPatience != null)
            throw new ArgumentException(
                "EarlyStoppingPatience needs validation data: set ValidationSet, or fit the chain with chain.Fit(train, validation).",
                nameof(TrainerOptionsBase.EarlyStoppingPatience));
    }

    /// <summary>
    /// Reads the validation data of <paramref name="trainer"/>, whose training input is <paramref name="input"/>, with
    /// <paramref name="read"/>: through the chain when fitted by <see cref="ValidationChainExtensions.Fit"/>, else from
    /// the options' ValidationSet; null when there is none. Call it after the training data has been read.
    /// </summary>
    /// <exception cref="InvalidOperationException">A step of the chain kept training rows and served them as validation rows.</exception>
    public static T? Read<T>(IChainValidatedTrainer trainer, IDataView input, Func<IDataView, T> read) where T : class
    {
        if (For(trainer) is not { } chain)
            return trainer.TrainingOptions.ValidationSet is IDataView configured ? read(configured) : null;
        using (chain._source.ShowValidation())
        {
            var result = read(input);
            if (!chain._source.ValidationPassCompleted)
                throw new InvalidOperationException(
                    "The validation data did not reach the trainer: a step before it (a cache checkpoint?) served rows it had kept from the training data. " +
                    "Remove AppendCacheCheckpoint from a chain fitted with Fit(train, validation).");
            return result;
        }
    }

    private static ChainValidation? For(IChainValidatedTrainer trainer) =>
        Active.Value is { } chain && ReferenceEquals(chain._trainer, trainer) ? chain : null;

    private sealed class End(ChainValidation? previous) : IDisposable
    {
        public void Dispose() => Active.Value = previous;
    }
}
