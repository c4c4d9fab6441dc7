using ArML.Trainers.Stateful;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ArML.Trainers.Baseline;

/// <summary>Shape of an <see cref="AverageEmbeddingModel"/>; saved with every model.</summary>
/// <param name="VocabularySize">Ids the model reads and predicts (the data's vocabulary plus the separator).</param>
/// <param name="WindowSize">Tokens averaged: the current one and the <c>WindowSize − 1</c> before it.</param>
/// <param name="EmbeddingSize">Width d of the embeddings.</param>
internal sealed record AverageEmbeddingConfig(int VocabularySize, int WindowSize, int EmbeddingSize);

/// <summary>
/// The linear baseline from first principles: p(next | context) = softmax(Vᵀ W · mean(e_t)), the mean of the
/// embeddings e_t of the last <see cref="AverageEmbeddingConfig.WindowSize"/> tokens (fewer at a row's start), one
/// d×d map W and an output matrix V. No non-linearity, no order within the window: what it learns is what a bag of
/// recent tokens says about the next one.
/// </summary>
/// <remarks>
/// Its state is the window itself — the last N − 1 ids and which of them are real (zeros at a row's start) — so it
/// reads rows in pieces like a recurrent network and shares their training and scoring.
/// </remarks>
internal sealed class AverageEmbeddingModel : Module, IStatefulNetwork
{
    private readonly Embedding wte;   // e_t
    private readonly Linear w;        // W: d → d
    private readonly Linear v;        // Vᵀ: d → vocabulary

    /// <summary>Builds a randomly initialised model (seed it with <c>torch.manual_seed</c> first).</summary>
    public AverageEmbeddingModel(AverageEmbeddingConfig config) : base("linear")
    {
        Config = config;
        wte = Embedding(config.VocabularySize, config.EmbeddingSize);
        w = Linear(config.EmbeddingSize, config.EmbeddingSize, hasBias: false);
        v = Linear(config.EmbeddingSize, config.VocabularySize, hasBias: false);
        RegisterComponents();
        using var _ = no_grad();
        init.normal_(wte.weight!, 0, 0.1);
    }

    /// <summary>The model's shape.</summary>
    public AverageEmbeddingConfig Config { get; }

    /// <inheritdoc/>
    public int VocabularySize => Config.VocabularySize;

    /// <summary>The embeddings, their prefix sums, the mean and its map (d each), and the logits.</summary>
    public long ActivationsPerPosition => VocabularySize + 5L * Config.EmbeddingSize;

    /// <summary>An empty window: N − 1 ids (B, N − 1) and their weights, all 0.</summary>
    public RecurrentState InitialState(long batchSize, Device device) => new(0,
        zeros([batchSize, Config.WindowSize - 1], ScalarType.Int64, device), zeros([batchSize, Config.WindowSize - 1], wte.weight!.dtype, device));

    /// <inheritdoc/>
    public (Tensor Logits, RecurrentState State) Forward(Tensor inputs, RecurrentState state)
    {
        using var scope = NewDisposeScope();
        long b = inputs.shape[0], t = inputs.shape[1];
        int n = Config.WindowSize;
        var ids = cat([state.Parts[0], inputs], 1);                                              // (B, N−1+T): window, then inputs
        var real = cat([state.Parts[1], ones([b, t], wte.weight!.dtype, inputs.device)], 1);          // 1 for a real token, 0 for none
        var e = wte.call(ids) * real.unsqueeze(-1);                                              // (B, N−1+T, d)
        // Windowed sums as differences of prefix sums: output j averages positions j .. j+N−1 of the concatenation.
        var sums = cat([zeros([b, 1, Config.EmbeddingSize], e.dtype, e.device), e.cumsum(1)], 1);  // (B, N+T, d)
        var counts = cat([zeros([b, 1], real.dtype, real.device), real.cumsum(1)], 1);              // (B, N+T)
        var mean = (sums.narrow(1, n, t) - sums.narrow(1, 0, t)) / (counts.narrow(1, n, t) - counts.narrow(1, 0, t)).unsqueeze(-1);
        var logits = v.call(w.call(mean));                                                       // (B, T, V) = Vᵀ W mean(e)
        var next = new RecurrentState(0, ids.narrow(1, t, n - 1).contiguous().MoveToOuterDisposeScope(),
            real.narrow(1, t, n - 1).contiguous().MoveToOuterDisposeScope());
        return (logits.MoveToOuterDisposeScope(), next);
    }
}
