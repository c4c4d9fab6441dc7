using ArML.Torch;
using System.Runtime.InteropServices;
using ArML.Trainers.Stateful;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace ArML.Trainers.Lstm;

/// <summary>The recurrent cell of an <see cref="LstmModel"/>.</summary>
public enum RecurrentCell
{
    /// <summary>Long short-term memory (Hochreiter and Schmidhuber): input, forget and output gates, a cell and a hidden state.</summary>
    Lstm,
    /// <summary>Gated recurrent unit (Cho et al.): reset and update gates, one hidden state; about 3/4 of an LSTM's weights.</summary>
    Gru,
}

/// <summary>Shape of an <see cref="LstmModel"/>; saved with every model so it can be rebuilt from the file alone.</summary>
/// <param name="VocabularySize">Ids the model reads and predicts (the data's vocabulary plus the separator).</param>
/// <param name="Cell">LSTM or GRU.</param>
/// <param name="LayerCount">Stacked recurrent layers.</param>
/// <param name="HiddenSize">Width of each layer's hidden state.</param>
/// <param name="EmbeddingSize">Width of the token embedding; equal to <paramref name="HiddenSize"/>, the output layer reuses it (tied).</param>
/// <param name="Dropout">Dropout probability during training, on the embedding, between layers and before the output layer.</param>
internal sealed record LstmConfig(int VocabularySize, RecurrentCell Cell, int LayerCount, int HiddenSize, int EmbeddingSize, double Dropout)
{
    /// <summary>Whether the output layer reuses the embedding matrix (when the embedding and hidden sizes are equal).</summary>
    public bool TiedOutput => EmbeddingSize == HiddenSize;
}

/// <summary>
/// A recurrent language model: token embedding, a stack of LSTM or GRU layers (libtorch's multi-layer implementation;
/// on the CPU the LSTM reads packed sequences, which keeps it on libtorch's native kernels rather than oneDNN's), and
/// an output layer with a bias, tied to the embedding when the sizes match (Press and Wolf 2017; Inan et al. 2017).
/// Its state is the last hidden (and, for an LSTM, cell) state of every layer. Evaluation on the CPU without
/// autograd (scoring) runs an LSTM's recurrence in <see cref="LstmRecurrence"/> on the same weights, several times
/// faster; training always goes through libtorch.
/// </summary>
internal sealed class LstmModel : Module, IStatefulNetwork
{
    private readonly Embedding wte;
    private readonly Module rnn;
    private readonly Dropout drop;
    private readonly Linear? lm_head;
    private readonly Parameter? lm_bias;

    /// <summary>Builds a randomly initialised model (seed it with <c>torch.manual_seed</c> first).</summary>
    public LstmModel(LstmConfig config) : base("lstm")
    {
        Config = config;
        wte = Embedding(config.VocabularySize, config.EmbeddingSize);
        // libtorch's own dropout acts between stacked layers only (and warns when there are none to act between).
        double between = config.LayerCount > 1 ? config.Dropout : 0;
        rnn = config.Cell == RecurrentCell.Lstm
            ? LSTM(config.EmbeddingSize, config.HiddenSize, config.LayerCount, batchFirst: true, dropout: between)
            : GRU(config.EmbeddingSize, config.HiddenSize, config.LayerCount, batchFirst: true, dropout: between);
        drop = Dropout(config.Dropout);
        if (config.TiedOutput) lm_bias = new Parameter(zeros(config.VocabularySize));
        else lm_head = Linear(config.HiddenSize, config.VocabularySize);
        RegisterComponents();
        InitializeWeights();
    }

    /// <summary>The model's shape.</summary>
    public LstmConfig Config { get; }

    /// <inheritdoc/>
    public int VocabularySize => Config.VocabularySize;

    /// <summary>
    /// Evaluation on the CPU without autograd reads an LSTM through libtorch's packed-sequence recurrence instead of
    /// <see cref="LstmRecurrence"/> (the path scoring took before it; for benchmarks and tests).
    /// </summary>
    internal bool LibtorchRecurrence { get; set; }

    /// <summary>
    /// The embedding, per layer the input projections of all four gates (computed for the whole piece at once) and
    /// the layer's outputs and cells, and the logits.
    /// </summary>
    public long ActivationsPerPosition => VocabularySize + Config.EmbeddingSize + Config.LayerCount * 6L * Config.HiddenSize;

    /// <summary>Zero hidden (and cell) states: (layers, B, hidden) each.</summary>
    public RecurrentState InitialState(long batchSize, Device device)
    {
        var dtype = wte.weight!.dtype;
        Tensor Zeros() => zeros([Config.LayerCount, batchSize, Config.HiddenSize], dtype, device);
        return Config.Cell == RecurrentCell.Lstm ? new RecurrentState(1, Zeros(), Zeros()) : new RecurrentState(1, Zeros());
    }

    /// <inheritdoc/>
    public (Tensor Logits, RecurrentState State) Forward(Tensor inputs, RecurrentState state)
    {
        using var scope = NewDisposeScope();
        var x = drop.call(wte.call(inputs));                                   // (B, T, E)
        Tensor y;
        RecurrentState next;
        if (inputs.shape[1] == 1 && !training) (y, next) = OneStep(x, state);
        else if (rnn is LSTM && !training && !is_grad_enabled() && x.device_type == DeviceType.CPU && x.dtype == ScalarType.Float32 && !LibtorchRecurrence
                 && inputs.numel() * 4 * Config.HiddenSize <= int.MaxValue)   // the recurrence indexes a piece's gates with int
            (y, next) = ReadByRecurrence(inputs, x, state);
        else if (rnn is LSTM lstm)
        {
            var (output, h, c) = x.device_type == DeviceType.CPU ? ReadPacked(lstm, x, state) : lstm.call(x, (state.Parts[0], state.Parts[1]));
            (y, next) = (output, new RecurrentState(1, h.MoveToOuterDisposeScope(), c.MoveToOuterDisposeScope()));
        }
        else
        {
            var (output, h) = ((GRU)rnn).call(x, state.Parts[0]);
            (y, next) = (output, new RecurrentState(1, h.MoveToOuterDisposeScope()));
        }
        y = drop.call(y);
        // Weight tying: the output layer reuses the embedding, which needs the same width; fewer weights, better perplexity.
        var logits = lm_head != null ? lm_head.call(y) : F.linear(y, wte.weight!, lm_bias);   // (B, T, V)
        return (logits.MoveToOuterDisposeScope(), next);
    }

    // The LSTM on the CPU through libtorch's own kernels. Given a plain tensor, libtorch hands a float32 LSTM to
    // oneDNN, whose AVX-512 kernel returns hidden states off by up to 0.17 for some widths (1, 8, 12, 16, 33, 40, 48,
    // 100, 200 of those tried on an AMD EPYC with AVX-512; 20, 24, 31, 32, 64, 96, 128 were right): scores then depended
    // on the machine and on the batch shape. A packed sequence (every row of length T here) takes libtorch's native
    // kernels, which agree with a float64 computation to rounding, on every CPU.
    private static (Tensor Output, Tensor H, Tensor C) ReadPacked(LSTM lstm, Tensor x, RecurrentState state)
    {
        long batch = x.shape[0], steps = x.shape[1];
        var lengths = KeptScalar.With(steps, length => full([batch], length, ScalarType.Int64));
        var packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first: true);
        var (output, h, c) = lstm.call(packed, (state.Parts[0], state.Parts[1]));
        // Equal lengths: the packed data is time-major, (T·B, H), with the rows in their original order.
        var y = output.data.reshape(steps, batch, -1).transpose(0, 1);        // (B, T, H)
        return (y, h, c);
    }

    // Evaluation on the CPU (scoring, validation): per layer, libtorch computes the input projection of every position
    // as one matrix product and LstmRecurrence runs the steps, each row of the batch on its own thread (rows are
    // independent). libtorch's recurrence costs far more per step in operator calls than in arithmetic. Each layer's
    // gates and the previous layer's outputs are released as soon as they are read, so a piece holds at most the
    // embedding and 6H values per position besides the logits (within ActivationsPerPosition).
    private (Tensor Output, RecurrentState State) ReadByRecurrence(Tensor inputs, Tensor x, RecurrentState state)
    {
        int batch = (int)x.shape[0], steps = (int)x.shape[1], width = Config.HiddenSize;
        var hidden = new Tensor[Config.LayerCount];
        var cells = new Tensor[Config.LayerCount];
        var input = x;
        for (int l = 0; l < Config.LayerCount; l++)
        {
            using var bias = KeptScalar.Add(rnn.get_parameter($"bias_ih_l{l}")!, rnn.get_parameter($"bias_hh_l{l}")!);
            var weights = rnn.get_parameter($"weight_ih_l{l}")!;
            Tensor gates;                                                                               // (B, T, 4H)
            if (l == 0 && 2L * VocabularySize <= (long)batch * steps)
            {
                // The first layer's input projection depends on the token alone: with fewer than half as many
                // vocabulary entries as positions, projecting each entry once is less work (and memory).
                using var table = F.linear(wte.weight!, weights, bias);                                 // (V, 4H)
                gates = table.index_select(0, inputs.flatten()).view(batch, steps, -1);
            }
            else gates = F.linear(input, weights, bias).contiguous();
            if (l > 0) input.Dispose();
            var recurrence = new LstmRecurrence(Floats(rnn.get_parameter($"weight_hh_l{l}")!.contiguous()), width);
            var output = empty([batch, steps, width], ScalarType.Float32);                              // (B, T, H)
            var (h, c) = (state.Parts[0][l].contiguous().clone(), state.Parts[1][l].contiguous().clone());   // (B, H)
            Parallel.For(0, batch, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, get_num_threads()) }, r =>
                recurrence.Run(Floats(gates).Slice(r * steps * 4 * width, steps * 4 * width), steps,
                    Floats(h).Slice(r * width, width), Floats(c).Slice(r * width, width), Floats(output).Slice(r * steps * width, steps * width)));
            gates.Dispose();
            (hidden[l], cells[l], input) = (h, c, output);
        }
        return (input, new RecurrentState(1, stack(hidden).MoveToOuterDisposeScope(), stack(cells).MoveToOuterDisposeScope()));
    }

    // A contiguous float32 CPU tensor's values, in place.
    private static Span<float> Floats(Tensor tensor) => MemoryMarshal.Cast<byte, float>(tensor.bytes);

    // One position without dropout (generation): libtorch's fused recurrent layer costs milliseconds per call whatever
    // its length (it lays every weight out anew), while the cell equations on the same weights take a fraction of that.
    private (Tensor Output, RecurrentState State) OneStep(Tensor x, RecurrentState state)
    {
        var input = x.squeeze(1);                                              // (B, E)
        var hidden = new Tensor[Config.LayerCount];
        var cells = new Tensor[Config.LayerCount];
        for (int l = 0; l < Config.LayerCount; l++)
        {
            var h = state.Parts[0][l];                                         // (B, H)
            var gi = F.linear(input, rnn.get_parameter($"weight_ih_l{l}")!, rnn.get_parameter($"bias_ih_l{l}"));
            var gh = F.linear(h, rnn.get_parameter($"weight_hh_l{l}")!, rnn.get_parameter($"bias_hh_l{l}"));
            if (Config.Cell == RecurrentCell.Lstm)
            {
                var gates = KeptScalar.Add(gi, gh).chunk(4, 1);                         // input, forget, cell candidate, output
                cells[l] = KeptScalar.Add(gates[1].sigmoid() * state.Parts[1][l], gates[0].sigmoid() * gates[2].tanh());
                hidden[l] = gates[3].sigmoid() * cells[l].tanh();
            }
            else
            {
                var i = gi.chunk(3, 1);                                        // reset, update, new
                var r = gh.chunk(3, 1);
                var z = KeptScalar.Add(i[1], r[1]).sigmoid();
                var n = KeptScalar.Add(i[2], KeptScalar.Add(i[0], r[0]).sigmoid() * r[2]).tanh();
                hidden[l] = KeptScalar.Add(KeptScalar.Sub(1, z) * n, z * h);           // (1 − z)·n + z·h
            }
            input = hidden[l];
        }
        var next = Config.Cell == RecurrentCell.Lstm
            ? new RecurrentState(1, stack(hidden).MoveToOuterDisposeScope(), stack(cells).MoveToOuterDisposeScope())
            : new RecurrentState(1, stack(hidden).MoveToOuterDisposeScope());
        return (input.unsqueeze(1), next);
    }

    private void InitializeWeights()
    {
        // Small uniform embeddings (Zaremba et al. 2014): with a tied output, libtorch's default N(0, 1) would start
        // from logits of standard deviation ≈ √hidden. The recurrent layers keep libtorch's U(−1/√H, 1/√H).
        using var _ = no_grad();
        init.uniform_(wte.weight!, -0.1, 0.1);
        if (lm_head != null)
        {
            init.uniform_(lm_head.weight!, -0.1, 0.1);
            init.zeros_(lm_head.bias!);
        }
    }
}
