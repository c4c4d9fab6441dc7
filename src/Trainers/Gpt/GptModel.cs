using ArML.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace ArML.Trainers.Gpt;

/// <summary>Shape of a GPT model; saved with every model so it can be rebuilt from the file alone.</summary>
/// <param name="VocabularySize">Token ids the model reads and predicts (the data's vocabulary plus the separator).</param>
/// <param name="ContextLength">Positions the model attends over.</param>
/// <param name="LayerCount">Transformer blocks.</param>
/// <param name="HeadCount">Attention heads per block; must divide <paramref name="EmbeddingSize"/>.</param>
/// <param name="EmbeddingSize">Width of the residual stream.</param>
/// <param name="Dropout">Dropout probability during training.</param>
/// <param name="Bias">Whether linear layers and layer norms have biases.</param>
/// <param name="PositionEncoding">Learned absolute positions or rotary embeddings.</param>
/// <param name="Activation">The MLP's nonlinearity (default: exact GELU, what ArML has always trained).</param>
/// <param name="LayerNormEpsilon">The layer norms' epsilon (default 1e-5, GPT-2's and libtorch's).</param>
/// <param name="InnerSize">Width of the MLP's hidden layer; null (default) for 4 × <paramref name="EmbeddingSize"/>.</param>
/// <param name="TiedHead">Whether the output head is the token embedding (default) or a separate matrix (lm_head).</param>
/// <remarks>The parameters after <paramref name="PositionEncoding"/> came with Hugging Face import; their defaults are
/// what models saved before them computed, so those files load unchanged.</remarks>
public sealed record GptConfig(int VocabularySize, int ContextLength, int LayerCount, int HeadCount, int EmbeddingSize, double Dropout, bool Bias,
    PositionEncoding PositionEncoding = PositionEncoding.Learned, GptActivation Activation = GptActivation.Gelu,
    double LayerNormEpsilon = 1e-5, int? InnerSize = null, bool TiedHead = true)
{
    /// <summary>Width of the MLP's hidden layer: <see cref="InnerSize"/>, or 4 × <see cref="EmbeddingSize"/>.</summary>
    public int MlpWidth => InnerSize ?? 4 * EmbeddingSize;
}

/// <summary>The nonlinearity of a GPT block's MLP.</summary>
public enum GptActivation
{
    /// <summary>Exact GELU, x·Φ(x) (Hugging Face's "gelu").</summary>
    Gelu,
    /// <summary>GELU's tanh approximation (Hugging Face's "gelu_new", GPT-2's own).</summary>
    GeluTanh,
    /// <summary>max(0, x) (Hugging Face's "relu").</summary>
    Relu,
}

/// <summary>
/// A decoder-only transformer in the GPT-2 layout (nanoGPT's names: wte, wpe, h.N.attn.c_attn, ln_f):
/// learned token and position embeddings (or rotary embeddings inside attention), pre-LayerNorm blocks of causal
/// self-attention and an MLP (GELU, its tanh approximation or ReLU), a final LayerNorm, and an output head tied to the
/// token embedding (or a separate lm_head, for imported checkpoints that have one).
/// </summary>
public sealed partial class GptModel : Module<Tensor, Tensor>
{
    private readonly Embedding wte;
    private readonly Embedding? wpe;
    private readonly Dropout drop;
    private readonly ModuleList<Block> h;
    private readonly LayerNorm ln_f;
    private readonly Linear? lm_head;
    private readonly Precision _precision = new();

    /// <summary>
    /// Builds a model initialised from its own generator seeded with <paramref name="seed"/> (never the process-wide
    /// torch generator, so models built concurrently on other threads cannot change each other's weights).
    /// </summary>
    public GptModel(GptConfig config, long seed = 0) : this(config, seed, initialize: true)
    {
    }

    // initialize: false is for weights that are about to be overwritten (import, LoadArml): the linear layers' weights
    // are allocated uninitialised, sparing the random draws over every weight that dominated loading a 124M-parameter
    // checkpoint (bench: hf), and so are the embeddings; only the layer norms keep their ones and zeros. Every
    // parameter must then be written by the caller.
    internal GptModel(GptConfig config, long seed, bool initialize) : base("gpt")
    {
        if (config.EmbeddingSize % config.HeadCount != 0)
            throw new ArgumentException($"EmbeddingSize ({config.EmbeddingSize}) must be a multiple of HeadCount ({config.HeadCount}).");
        Config = config;
        wte = NewEmbedding(config.VocabularySize, config.EmbeddingSize, initialize);
        if (config.PositionEncoding == PositionEncoding.Learned) wpe = NewEmbedding(config.ContextLength, config.EmbeddingSize, initialize);
        drop = Dropout(config.Dropout);
        h = new ModuleList<Block>(Enumerable.Range(0, config.LayerCount).Select(_ => new Block(config, _precision, initialize)).ToArray());
        ln_f = LayerNorm(config.EmbeddingSize, eps: config.LayerNormEpsilon, bias: config.Bias);
        if (!config.TiedHead) lm_head = NewLinear(config.EmbeddingSize, config.VocabularySize, false, initialize);
        RegisterComponents();
        if (initialize) InitializeWeights(seed);
    }

    /// <summary>The model's shape.</summary>
    public GptConfig Config { get; }

    /// <summary>
    /// Type of the activations: Float32 (default: the weights' own precision), or BFloat16 for mixed precision — the
    /// residual stream and the linear layers' products (the output head's included) in bfloat16 from float32 master
    /// weights; layer norms reduce in float32 with float32 weights, attention (with its softmax) stays float32, and the
    /// logits are converted to float32 before any softmax or loss.
    /// </summary>
    public ScalarType ComputeType
    {
        get => _precision.Type;
        set => _precision.Type = value is ScalarType.Float32 or ScalarType.BFloat16
            ? value : throw new ArgumentOutOfRangeException(nameof(value), "Compute type must be Float32 or BFloat16.");
    }

    /// <summary>Logits of the next token at every position. <paramref name="idx"/>: (B, T) int64 ids, T ≤ context.</summary>
    public override Tensor forward(Tensor idx)
    {
        using var scope = NewDisposeScope();
        return Head(HiddenStates(idx)).MoveToOuterDisposeScope();  // (B, T, V)
    }

    /// <summary>
    /// The final hidden states (after ln_f), (B, T, C), of <paramref name="idx"/> (B, T) int64: what the output head
    /// reads, and what task heads (a classifier's) read instead. <see cref="LanguageModelLogits"/> turns them into logits.
    /// </summary>
    internal Tensor HiddenStates(Tensor idx)
    {
        long t = idx.shape[1];
        if (t > Config.ContextLength)
            throw new ArgumentException($"Sequence length {t} exceeds the context length {Config.ContextLength}.");
        using var scope = NewDisposeScope();
        var x = Embed(idx, () => KeptScalar.Arange(t, idx.device), drop);  // (B, T, C)
        // Scoring: the residual stream is released as soon as the next block has read it, so a pass holds one block's
        // activations at a time (GptScoringBudget counts on it). Training keeps them all for backward anyway, and
        // releasing early there measured ~30% slower steps (QuickStart, same window), so it keeps the plain path.
        foreach (var block in h) x = training ? block.call(x) : Replace(x, block.call(x));
        x = training ? ln_f.call(x) : Replace(x, ln_f.call(x));
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>Next-token logits (…, V) of final hidden states (…, C) from <see cref="HiddenStates"/>.</summary>
    internal Tensor LanguageModelLogits(Tensor hidden) => Head(hidden);

    // Weight tying: the output head reuses the token embedding, as GPT-2 does; fewer parameters, better perplexity.
    // Imported checkpoints may keep a separate lm_head instead.
    private Tensor Head(Tensor x)
    {
        var weight = lm_head?.weight ?? wte.weight!;
        // The tied head casts the embedding itself: TorchSharp hands out a new wrapper of it at each call, so no cast
        // made beforehand can be found by it (and at a vocabulary's width × the embedding's, it is a small cast).
        return _precision.Linear(x, weight, null, castHere: lm_head is null).to_type(weight.dtype);
    }

    // Token embeddings plus learned position embeddings (of the positions <paramref name="positions"/> makes), in the
    // compute type; the parts are released once summed.
    private Tensor Embed(Tensor idx, Func<Tensor> positions, Dropout? dropout)
    {
        using var scope = NewDisposeScope();
        var x = wte.call(idx);
        if (wpe != null) x = KeptScalar.Add(x, wpe.call(positions()));
        if (dropout != null) x = dropout.call(x);
        return _precision.Activations(x).MoveToOuterDisposeScope();
    }

    private static Tensor Replace(Tensor old, Tensor next)
    {
        old.Dispose();
        return next;
    }

    /// <summary>
    /// Next-token logits at the last input position of each row, for decoding in evaluation mode:
    /// <paramref name="idx"/> and <paramref name="positions"/> are (B, T) int64 (ids and their positions in each row's
    /// window); the keys and values of earlier positions come from <paramref name="cache"/>, which receives this
    /// call's. Returns (B, V).
    /// </summary>
    internal Tensor ForwardCached(Tensor idx, Tensor positions, GptKvCache cache)
    {
        using var scope = NewDisposeScope();
        var x = Embed(idx, () => positions, null);                   // (B, T, C)
        int layer = 0;
        foreach (var block in h) x = Replace(x, block.ForwardCached(x, positions, cache, layer++));
        x = ln_f.call(x.narrow(1, x.shape[1] - 1, 1).squeeze(1));   // only the last position predicts: (B, C)
        return Head(x).MoveToOuterDisposeScope();  // (B, V)
    }

    private void InitializeWeights(long seed)
    {
        using var _ = no_grad();
        using var generator = new Generator((ulong)seed);
        foreach (var (name, p) in named_parameters())
        {
            if (name.EndsWith(".bias", StringComparison.Ordinal)) init.zeros_(p);
            else if (name.StartsWith("ln_", StringComparison.Ordinal) || name.Contains(".ln_", StringComparison.Ordinal)) init.ones_(p);
            // GPT-2: residual projections are scaled by 1/sqrt(2·layers) so the residual stream's variance
            // does not grow with depth (two residual additions per block).
            else if (name.EndsWith("c_proj.weight", StringComparison.Ordinal)) Normal(p, 0.02 / Math.Sqrt(2.0 * Config.LayerCount), generator);
            else Normal(p, 0.02, generator);
        }
    }

    // An embedding with libtorch's default draws, or uninitialised (not even touched, so an import can ask for huge pages).
    // (TorchSharp allocates and draws a full table even for the meta device: the module is built with one row, then
    // given its real table; its lookup reads only the weight.)
    private static Embedding NewEmbedding(long count, long width, bool initialize)
    {
        if (initialize) return Embedding(count, width);
        var embedding = Embedding(1, width);
        embedding.weight = new Parameter(empty(count, width));
        return embedding;
    }

    // A linear layer with libtorch's default initialisation, or with uninitialised parameters for weights about to be read.
    private static Linear NewLinear(long input, long output, bool bias, bool initialize) => initialize
        ? Linear(input, output, hasBias: bias)
        : Linear(new Parameter(empty(output, input)), bias ? new Parameter(empty(output)) : null);

    // TorchSharp's init.normal_ does not honour its generator argument; randn does.
    private static void Normal(Tensor p, double std, Generator generator)
    {
        using var values = randn(p.shape, dtype: p.dtype, generator: generator);
        p.copy_(KeptScalar.MulInPlace(values, std));
    }

    private sealed class Block : Module<Tensor, Tensor>
    {
        private readonly LayerNorm ln_1;
        private readonly CausalSelfAttention attn;
        private readonly LayerNorm ln_2;
        private readonly Mlp mlp;

        public Block(GptConfig config, Precision precision, bool initialize) : base("block")
        {
            ln_1 = LayerNorm(config.EmbeddingSize, eps: config.LayerNormEpsilon, bias: config.Bias);
            attn = new CausalSelfAttention(config, precision, initialize);
            ln_2 = LayerNorm(config.EmbeddingSize, eps: config.LayerNormEpsilon, bias: config.Bias);
            mlp = new Mlp(config, precision, initialize);
            RegisterComponents();
        }

        // Pre-LayerNorm: normalise the branch input, keep the residual path clean.
        public override Tensor forward(Tensor x)
        {
            if (!training) return Mlp(Residual(x, () => attn.call(ln_1.call(x))));
            x = KeptScalar.Add(x, attn.call(ln_1.call(x)));
            return KeptScalar.Add(x, mlp.call(ln_2.call(x)));
        }

        public Tensor ForwardCached(Tensor x, Tensor positions, GptKvCache cache, int layer) =>
            Mlp(Residual(x, () => attn.ForwardCached(ln_1.call(x), positions, cache, layer)));

        private Tensor Mlp(Tensor attended)
        {
            var result = Residual(attended, () => mlp.call(ln_2.call(attended)));
            attended.Dispose();
            return result;
        }

        // x + branch(x), with the branch's intermediates released on return: a pass holds one branch's at a time.
        private static Tensor Residual(Tensor x, Func<Tensor> branch)
        {
            using var scope = NewDisposeScope();
            return KeptScalar.Add(x, branch()).MoveToOuterDisposeScope();
        }
    }

    private sealed class CausalSelfAttention : Module<Tensor, Tensor>
    {
        private readonly Linear c_attn;
        private readonly Linear c_proj;
        private readonly Dropout resid_dropout;
        private readonly int _heads;
        private readonly double _dropout;

        private readonly Precision _precision;

        public CausalSelfAttention(GptConfig config, Precision precision, bool initialize) : base("attn")
        {
            _precision = precision;
            c_attn = NewLinear(config.EmbeddingSize, 3 * config.EmbeddingSize, config.Bias, initialize);
            c_proj = NewLinear(config.EmbeddingSize, config.EmbeddingSize, config.Bias, initialize);
            resid_dropout = Dropout(config.Dropout);
            _heads = config.HeadCount;
            _dropout = config.Dropout;
            _rotary = config.PositionEncoding == PositionEncoding.Rotary;
            RegisterComponents();
        }

        private readonly bool _rotary;

        public override Tensor forward(Tensor x)
        {
            long b = x.shape[0], t = x.shape[1], c = x.shape[2];
            var (q, k, v) = Heads(x);
            if (_rotary) (q, k) = (Rotary.Apply(q), Rotary.Apply(k));
            // TorchSharp spells the flag "is_casual".
            var y = F.scaled_dot_product_attention(q, k, v, p: training ? _dropout : 0.0, is_casual: true);  // (B, nh, T, hs)
            y = y.transpose(1, 2).contiguous().view(b, t, c);                  // re-assemble heads: (B, T, C)
            return resid_dropout.call(_precision.Linear(y, c_proj));
        }

        // Queries, keys and values (B, nh, T, hs) of x (B, T, C) from one fused projection, in the master weights'
        // type: libtorch's fused CPU attention is several times slower in bfloat16 than in float32 at these sizes
        // (bench: attention), while the projection itself gains from bfloat16.
        private (Tensor Q, Tensor K, Tensor V) Heads(Tensor x)
        {
            long b = x.shape[0], t = x.shape[1], c = x.shape[2], hs = c / _heads;
            var qkv = _precision.Linear(x, c_attn).to_type(c_attn.weight!.dtype).split(c, dim: 2);      // 3 × (B, T, C)
            Tensor Split(Tensor part) => part.view(b, t, _heads, hs).transpose(1, 2);
            return (Split(qkv[0]), Split(qkv[1]), Split(qkv[2]));
        }

        // The same attention for new positions only: their keys and values join the cached ones, and the cache's mask
        // says which cached positions each new one sees (its own row's, up to itself).
        public Tensor ForwardCached(Tensor x, Tensor positions, GptKvCache cache, int layer)
        {
            long b = x.shape[0], t = x.shape[1], c = x.shape[2];
            var (q, k, v) = Heads(x);
            if (_rotary) (q, k) = (Rotary.Apply(q, positions), Rotary.Apply(k, positions));
            var (keys, values) = cache.Append(layer, k, v);                    // (B, nh, S, hs): cached positions, then these
            var y = F.scaled_dot_product_attention(q, keys, values, cache.Mask, is_casual: cache.IsCausal);   // (B, nh, T, hs)
            y = y.transpose(1, 2).contiguous().view(b, t, c);
            return _precision.Linear(y, c_proj);
        }
    }

    private sealed class Mlp : Module<Tensor, Tensor>
    {
        private readonly Linear c_fc;
        private readonly Linear c_proj;
        private readonly Dropout dropout;
        private readonly GptActivation _activation;

        private readonly Precision _precision;

        public Mlp(GptConfig config, Precision precision, bool initialize) : base("mlp")
        {
            _precision = precision;
            c_fc = NewLinear(config.EmbeddingSize, config.MlpWidth, config.Bias, initialize);
            c_proj = NewLinear(config.MlpWidth, config.EmbeddingSize, config.Bias, initialize);
            dropout = Dropout(config.Dropout);
            _activation = config.Activation;
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => dropout.call(_precision.Linear(Activate(_precision.Linear(x, c_fc)), c_proj));

        private Tensor Activate(Tensor x) => _activation switch
        {
            GptActivation.GeluTanh => F.gelu(x, TorchSharp.Modules.GELU.Approximate.tanh),
            GptActivation.Relu => F.relu(x),
            _ => F.gelu(x),
        };
    }

    /// <summary>The compute type shared by all blocks, and matrix products in it.</summary>
    private sealed class Precision
    {
        public ScalarType Type = ScalarType.Float32;

        /// <summary>Low-rank adapters by the linear layer they adapt (none unless <see cref="GptModel.AddAdapters"/> ran).</summary>
        public readonly Dictionary<Linear, LoraAdapter> Adapters = new(ReferenceEqualityComparer.Instance);

        // An adapted layer adds its adapter's low-rank product to the frozen layer's output in place (the product's
        // output is not needed by its own backward pass) and releases the product at once (nor is it kept for the
        // addition's backward): no full-width temporary outlives the call, which is most of LoRA's activation saving.
        public Tensor Linear(Tensor x, Linear layer)
        {
            var y = Linear(x, layer.weight!, layer.bias);
            if (!Adapters.TryGetValue(layer, out var adapter)) return y;
            using var delta = adapter.Delta(x, (input, weight, bias) => Linear(input, weight, bias));
            return KeptScalar.AddInPlace(y, delta);
        }

        // The residual stream in the compute type: with bfloat16 this halves the bytes every element-wise pass and
        // layer norm moves, and spares a cast before each projection (bench: gpt-shakespeare, validation loss unchanged).
        public Tensor Activations(Tensor x) => Type == ScalarType.BFloat16 ? x.to_type(Type) : x;

        /// <summary>Casts of the master parameters made beforehand (<see cref="ProductCasts"/>), or null.</summary>
        public IReadOnlyDictionary<Tensor, Tensor>? Casts;

        // Casting the float32 master weights per call keeps their gradients in float32 (autograd flows through the cast).
        public Tensor Linear(Tensor x, Tensor weight, Tensor? bias, bool castHere = false) =>
            Type != ScalarType.BFloat16
                ? F.linear(x, weight, bias)                     // the weights' own precision
                : F.linear(x.to_type(Type), InType(weight, castHere), bias is null ? null : InType(bias, castHere));

        private Tensor InType(Tensor master, bool castHere) =>
            Casts is null || castHere ? master.to_type(Type)
            : Casts.TryGetValue(master, out var cast) ? cast
            : throw new InvalidOperationException("A linear layer's parameter has no cast made beforehand; ProductParameters misses it.");
    }
}
