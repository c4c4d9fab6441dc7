using ArML.Trainers.Stateful;

namespace ArML.Trainers.WaveNet;

public sealed partial class WaveNetTrainer
{
    /// <summary>
    /// Options of <see cref="WaveNetTrainer"/>: the network's shape here; the token column, window and scoring options in
    /// <see cref="StatefulTrainerOptions"/>; batching, stopping, optimizer, validation, checkpoints, seed and progress
    /// in <see cref="Training.TrainerOptionsBase"/>.
    /// </summary>
    public sealed class Options : StatefulTrainerOptions
    {
        /// <summary>Gated layers per cycle of dilations 1, 2, 4, …. Default 8 (dilations up to 128).</summary>
        public int LayersPerCycle { get; set; } = 8;

        /// <summary>Cycles of dilations. Default 2 (a receptive field of 511 samples).</summary>
        public int DilationCycles { get; set; } = 2;

        /// <summary>Width of the residual stream. Default 32.</summary>
        public int ResidualChannels { get; set; } = 32;

        /// <summary>Width of the skip connections and the output layers. Default 128.</summary>
        public int SkipChannels { get; set; } = 128;

        internal WaveNetConfig Config(int vocabularySize) => new(vocabularySize, DilationCycles, LayersPerCycle, ResidualChannels, SkipChannels);

        /// <inheritdoc/>
        public override void Validate()
        {
            base.Validate();
            if (LayersPerCycle is < 1 or > 16) throw new ArgumentOutOfRangeException(nameof(LayersPerCycle), "LayersPerCycle must be in 1..16.");
            if (DilationCycles is < 1 or > 16) throw new ArgumentOutOfRangeException(nameof(DilationCycles), "DilationCycles must be in 1..16.");
            if (ResidualChannels < 1) throw new ArgumentOutOfRangeException(nameof(ResidualChannels), "ResidualChannels must be at least 1.");
            if (SkipChannels < 1) throw new ArgumentOutOfRangeException(nameof(SkipChannels), "SkipChannels must be at least 1.");
        }
    }
}
