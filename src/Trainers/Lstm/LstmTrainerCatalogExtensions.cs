using ArML.Training;
using ArML.Data;
using ArML.Trainers.Lstm;

namespace ArML;

/// <summary>Adds the LSTM/GRU trainer to <c>mlContext.LanguageModeling().Trainers</c>.</summary>
public static class LstmTrainerCatalogExtensions
{
    /// <summary>A recurrent (LSTM or GRU) language model trained on a token-key column.</summary>
    /// <param name="catalog">The language modeling trainers catalog.</param>
    /// <param name="options">Network shape and training options.</param>
    public static LstmTrainer Lstm(this LanguageModelingCatalog.TrainerCatalog catalog, LstmTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new LstmTrainer(catalog.Context, options);
    }

    /// <summary>A recurrent language model with default options on <paramref name="tokenColumnName"/>.</summary>
    /// <param name="catalog">The language modeling trainers catalog.</param>
    /// <param name="tokenColumnName">Token column: a vector of keys.</param>
    /// <param name="cell">LSTM or GRU cells.</param>
    /// <param name="hiddenSize">Width of each of the two layers (also the embedding width, tied to the output layer).</param>
    /// <param name="maxIterations">Optimizer steps.</param>
    public static LstmTrainer Lstm(this LanguageModelingCatalog.TrainerCatalog catalog, string tokenColumnName = DefaultColumnNames.Tokens,
        RecurrentCell cell = RecurrentCell.Lstm, int hiddenSize = LstmTrainer.Options.DefaultHiddenSize, int maxIterations = TrainerOptionsBase.DefaultMaxIterations) =>
        catalog.Lstm(new LstmTrainer.Options { TokenColumnName = tokenColumnName, Cell = cell, HiddenSize = hiddenSize, MaxIterations = maxIterations });
}
