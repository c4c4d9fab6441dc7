using ArML.Torch;
using ArML.Trainers.Stateful;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace ArML.Trainers.WaveNet;

/// <summary>Shape of a <see cref="WaveNetModel"/>; saved with every model so it can be rebuilt from the file alone.</summary>
/// <param name="VocabularySize">Ids the model reads and predicts (the quantization levels plus the separator).</param>
/// <param name="DilationCycles">Times the dilations 1, 2, 4, … 2^(<paramref name="LayersPerCycle"/> − 1) repeat.</param>
/// <param name="LayersPerCycle">Gated layers per cycle of dilations.</param>
/// <param name="ResidualChannels">Width of the residual stream (and of the input embedding).</param>
/// <param name="SkipChannels">Width of the skip connections and of the output layers.</param>
public sealed record WaveNetConfig(int VocabularySize, int DilationCycles, int LayersPerCycle, int ResidualChannels, int SkipChannels)
{
    /// <summary>Gated layers in all.</summary>
    public int LayerCount => DilationCycles * LayersPerCycle;

    /// <summary>The dilation of layer <paramref name="layer"/>: 2^(layer mod LayersPerCycle).</summary>
    public int Dilation(int layer) => 1 << (layer % LayersPerCycle);

    /// <summary>
    /// Samples the prediction of the next one depends on: the current one plus, per layer, its dilation (kernels of
    /// width 2), i.e. 1 + cycles · (2^layers − 1).
    /// </summary>
    public int ReceptiveField => 1 + DilationCycles * ((1 << LayersPerCycle) - 1);
}

/// <summary>
/// WaveNet (van den Oord et al. 2016) over quantized samples: an embedding of the current sample, a stack of
/// dilated causal convolutions of width 2 with gated activations tanh(a)·σ(b), each adding a 1×1 projection back to
/// the residual stream and another to the skip sum, then ReLU, 1×1, ReLU, 1×1 to the logits of the next sample.
/// </summary>
/// <remarks>
/// Its state is the fast-WaveNet queue of every layer (Paine et al. 2016): the last d inputs of the layer of dilation d,
/// (B, d, R). The convolutions keep nn.Conv1d's weights (and names) but run as matrix products on (B, T, R) activations. A piece of T samples is convolved after its layer's queue (no padding: the queue is the causal left
/// context, zeros at a row's start), and the queue becomes the last d columns. Reading a sequence piece by piece,
/// one sample at a time included, gives the logits of reading it whole; generating a sample costs one column per layer
/// instead of recomputing the receptive field.
/// </remarks>
internal sealed class WaveNetModel : Module, IStatefulNetwork
{
    private readonly Embedding wte;
    private readonly ModuleList<Conv1d> dilated;     // R → 2R, kernel 2, dilation d
    private readonly ModuleList<Conv1d> residual;    // R → R, 1×1
    private readonly ModuleList<Conv1d> skip;        // R → S, 1×1
    private readonly Conv1d head_hidden;             // S → S, 1×1
    private readonly Conv1d head_out;                // S → V, 1×1

    /// <summary>Builds a randomly initialised model (seed it with <c>torch.manual_seed</c> first).</summary>
    public WaveNetModel(WaveNetConfig config) : base("wavenet")
    {
        Config = config;
        int r = config.ResidualChannels, s = config.SkipChannels;
        wte = Embedding(config.VocabularySize, r);
        dilated = new ModuleList<Conv1d>(Enumerable.Range(0, config.LayerCount).Select(l => Conv1d(r, 2 * r, 2, dilation: config.Dilation(l))).ToArray());
        residual = new ModuleList<Conv1d>(Enumerable.Range(0, config.LayerCount).Select(_ => Conv1d(r, r, 1)).ToArray());
        skip = new ModuleList<Conv1d>(Enumerable.Range(0, config.LayerCount).Select(_ => Conv1d(r, s, 1)).ToArray());
        head_hidden = Conv1d(s, s, 1);
        head_out = Conv1d(s, config.VocabularySize, 1);
        RegisterComponents();
        using var _ = no_grad();
        init.normal_(wte.weight!, 0, 0.1);   // libtorch's N(0, 1) would saturate the first gates
    }

    /// <summary>The model's shape.</summary>
    public WaveNetConfig Config { get; }

    /// <inheritdoc/>
    public int VocabularySize => Config.VocabularySize;

    /// <summary>Per position: the embedding, per layer the gate inputs (2R), gated output, residual and skip, and the head and logits.</summary>
    public long ActivationsPerPosition => VocabularySize + Config.ResidualChannels + Config.LayerCount * (4L * Config.ResidualChannels + Config.SkipChannels)
        + 3L * Config.SkipChannels;

    /// <inheritdoc/>
    public int? ReceptiveField => Config.ReceptiveField;

    /// <summary>Empty queues: (B, d, R) zeros for the layer of dilation d (the causal convolutions' zero left context).</summary>
    public RecurrentState InitialState(long batchSize, Device device) => new(0,
        Enumerable.Range(0, Config.LayerCount).Select(l => zeros([batchSize, Config.Dilation(l), Config.ResidualChannels], wte.weight!.dtype, device)).ToArray());

    /// <inheritdoc/>
    public (Tensor Logits, RecurrentState State) Forward(Tensor inputs, RecurrentState state)
    {
        using var scope = NewDisposeScope();
        long t = inputs.shape[1];
        var x = wte.call(inputs);                                              // (B, T, R)
        Tensor? skips = null;
        var queues = new Tensor[Config.LayerCount];
        for (int l = 0; l < Config.LayerCount; l++)
        {
            int d = Config.Dilation(l);
            var context = cat([state.Parts[l], x], 1);                         // (B, d + T, R): queue, then this piece
            queues[l] = context.narrow(1, t, d).contiguous().MoveToOuterDisposeScope();
            // The width-2 dilated convolution as its two taps: output j reads context columns j and j + d.
            var weight = dilated[l].weight!;                                   // (2R, R, 2)
            var gates = KeptScalar.Add(F.linear(context.narrow(1, 0, t), weight.select(2, 0)), F.linear(context.narrow(1, d, t), weight.select(2, 1), dilated[l].bias))
                .chunk(2, 2);                                                  // (B, T, R) each
            var z = gates[0].tanh() * gates[1].sigmoid();
            var s = Pointwise(skip[l], z);
            skips = skips is null ? s : KeptScalar.Add(skips, s);
            x = KeptScalar.Add(x, Pointwise(residual[l], z));
        }
        var logits = Pointwise(head_out, F.relu(Pointwise(head_hidden, F.relu(skips!))));   // (B, T, V)
        return (logits.MoveToOuterDisposeScope(), new RecurrentState(0, queues));
    }

    // A 1×1 convolution applied to (B, T, C) activations, as the linear map it is.
    private static Tensor Pointwise(Conv1d conv, Tensor x) => F.linear(x, conv.weight!.squeeze(2), conv.bias);
}
