using static TorchSharp.torch;

namespace ArML.Trainers.Stateful;

/// <summary>
/// A network that reads token sequences in consecutive pieces, carrying a state from one piece to the next: reading a
/// sequence piece by piece gives exactly the logits of reading it whole. Recurrent networks (LSTM, GRU) and the linear
/// baseline (whose state is its window of recent tokens) are such networks; truncated back-propagation through time,
/// row scoring and sampling are written once against this interface.
/// </summary>
internal interface IStatefulNetwork
{
    /// <summary>Ids the network reads and predicts.</summary>
    int VocabularySize { get; }

    /// <summary>
    /// Values the network holds per position of each sequence during one evaluation-mode <see cref="Forward"/> pass,
    /// the logits included (default: the logits alone). Scoring sizes its pieces by it, so memory stays bounded
    /// whatever a row's length.
    /// </summary>
    long ActivationsPerPosition => VocabularySize;

    /// <summary>
    /// Ids the logits at a position depend on, that position's own included, when that is bounded (a WaveNet's receptive
    /// field); null when every earlier id counts (recurrent networks, the default). A recomputing step decoder reads
    /// only this many of a row's last ids from <see cref="InitialState"/>, which gives the same logits.
    /// </summary>
    int? ReceptiveField => null;

    /// <summary>The state before the first token of a sequence (where every row is scored from).</summary>
    RecurrentState InitialState(long batchSize, Device device);

    /// <summary>
    /// Logits of the next token at every position of <paramref name="inputs"/>, continuing from <paramref name="state"/>,
    /// and the state after the last position.
    /// </summary>
    /// <param name="inputs">(B, T) int64 ids.</param>
    /// <param name="state">The state after the previous piece, or <see cref="InitialState"/>.</param>
    /// <returns>Logits (B, T, V) and the state after the last position (attached to the autograd graph when training).</returns>
    (Tensor Logits, RecurrentState State) Forward(Tensor inputs, RecurrentState state);
}
