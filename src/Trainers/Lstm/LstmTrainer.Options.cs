using ArML.Trainers.Stateful;

namespace ArML.Trainers.Lstm;

public sealed partial class LstmTrainer
{
    /// <summary>
    /// Options of <see cref="LstmTrainer"/>: the network's shape here; the token column, window and scoring options in
    /// <see cref="StatefulTrainerOptions"/>; batching, stopping, optimizer, validation, checkpoints, seed and progress
    /// in <see cref="Training.TrainerOptionsBase"/>.
    /// </summary>
    public sealed class Options : StatefulTrainerOptions
    {
        /// <summary>LSTM (default) or GRU cells.</summary>
        public RecurrentCell Cell { get; set; } = RecurrentCell.Lstm;

        /// <summary>Stacked recurrent layers. Default 2.</summary>
        public int LayerCount { get; set; } = 2;

        /// <summary>Width of each layer's hidden state. Default 256.</summary>
        public int HiddenSize { get; set; } = DefaultHiddenSize;

        /// <summary>The default of <see cref="HiddenSize"/>, which the simple catalog overload takes too.</summary>
        internal const int DefaultHiddenSize = 256;

        /// <summary>
        /// Width of the token embedding. Default (null): <see cref="HiddenSize"/>, which ties the output layer to the
        /// embedding; any other width gives the output layer its own weights.
        /// </summary>
        public int? EmbeddingSize { get; set; }

        /// <summary>Dropout probability during training: on the embedding, between layers and before the output layer. Default 0.</summary>
        public double Dropout { get; set; }

        /// <inheritdoc/>
        public override void Validate()
        {
            base.Validate();
            if (!Enum.IsDefined(Cell)) throw new ArgumentOutOfRangeException(nameof(Cell), $"Cell must be Lstm or Gru, not {Cell}.");
            if (LayerCount < 1) throw new ArgumentOutOfRangeException(nameof(LayerCount), "LayerCount must be at least 1.");
            if (HiddenSize < 1) throw new ArgumentOutOfRangeException(nameof(HiddenSize), "HiddenSize must be at least 1.");
            if (EmbeddingSize is int e && e < 1) throw new ArgumentOutOfRangeException(nameof(EmbeddingSize), "EmbeddingSize must be at least 1.");
            if (Dropout < 0 || Dropout >= 1) throw new ArgumentOutOfRangeException(nameof(Dropout), "Dropout must be in [0, 1).");
        }
    }
}
