using ArML.Trainers;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML;

/// <summary>Fits a chain that ends with an ArML trainer, with validation data that goes through the chain's earlier steps.</summary>
public static class ValidationChainExtensions
{
    /// <summary>
    /// Fits <paramref name="chain"/> on <paramref name="train"/> as <c>chain.Fit(train)</c> does, and gives its final
    /// ArML trainer (GPT, LSTM/GRU, FVSBN, NADE or MADE) <paramref name="validation"/> as its validation data, passed
    /// through the earlier steps as fitted on the training data (a tokenizer, <c>Concatenate</c>, a normalizer …):
    /// validation loss, early stopping and the anomaly threshold then work as with <c>ValidationSet</c>.
    /// </summary>
    /// <param name="chain">Steps ending with an ArML trainer whose <c>ValidationSet</c> is not set.</param>
    /// <param name="train">The training data, in the chain's input schema.</param>
    /// <param name="validation">The validation data, with the same columns as <paramref name="train"/>.</param>
    /// <remarks>
    /// The earlier steps are fitted on the training rows only; the validation rows are read through them when the
    /// trainer reads its validation data. A cache checkpoint in the chain would serve training rows instead, so it is refused.
    /// </remarks>
    /// <exception cref="ArgumentException">The final step is not an ArML trainer, its ValidationSet is also set, or
    /// <paramref name="validation"/> has other columns than <paramref name="train"/>.</exception>
    public static TransformerChain<TLast> Fit<TLast>(this EstimatorChain<TLast> chain, IDataView train, IDataView validation)
        where TLast : class, ITransformer
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        if (chain.LastEstimator is not IChainValidatedTrainer trainer)
            throw new ArgumentException(
                $"Fit(train, validation) needs a chain that ends with an ArML neural trainer, not {chain.LastEstimator?.GetType().Name ?? "nothing"}.", nameof(chain));
        if (trainer.TrainingOptions.ValidationSet != null)
            throw new ArgumentException("The trainer's ValidationSet is set too: give the validation data one way, here or in ValidationSet.", nameof(validation));
        var source = new ValidationSwitchView(train, validation);
        using (ChainValidation.Begin(trainer, source)) return chain.Fit(source);
    }
}
