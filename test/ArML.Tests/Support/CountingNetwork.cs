using ArML.Persistence;
using ArML.Trainers;
using ArML.Trainers.Lstm;
using ArML.Trainers.Stateful;
using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Tests.Support;

/// <summary>
/// An LSTM recording the shape of every forward pass; it may claim more activations per position than it has, so
/// that scoring's memory budget cuts short rows into many pieces.
/// </summary>
internal sealed class CountingNetwork(LstmModel inner, long? activationsPerPosition = null) : nn.Module("counting"), IStatefulNetwork
{
    /// <summary>Positions read by each forward pass, in order.</summary>
    public List<long> Lengths { get; } = [];

    /// <summary>Sequences read side by side by each forward pass, in order.</summary>
    public List<long> Batches { get; } = [];

    public int VocabularySize => inner.VocabularySize;

    public long ActivationsPerPosition => activationsPerPosition ?? inner.ActivationsPerPosition;

    public RecurrentState InitialState(long batchSize, Device device) => inner.InitialState(batchSize, device);

    public (Tensor Logits, RecurrentState State) Forward(Tensor inputs, RecurrentState state)
    {
        Batches.Add(inputs.shape[0]);
        Lengths.Add(inputs.shape[1]);
        return inner.Forward(inputs, state);
    }
}

/// <summary>A <see cref="CountingNetwork"/> as a language model (not savable).</summary>
internal sealed class CountingLanguageModel(CountingNetwork network, TokenIdLayout vocabulary)
    : StatefulLanguageModel<CountingNetwork>(network, vocabulary, CPU)
{
    public override string ArmlKind => "test";
    public override int ArmlKindVersion => 1;
    public override void SaveArml(ArmlComponentWriter writer, LanguageModelTransformer owner) => throw new NotSupportedException();
}
