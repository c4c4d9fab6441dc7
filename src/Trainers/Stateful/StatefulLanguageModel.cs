using ArML.Data;
using ArML.Persistence;
using ArML.Trainers.Generation;
using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Trainers.Stateful;

/// <summary>
/// A trained <see cref="IStatefulNetwork"/> in evaluation mode with the operations a language model offers: exact
/// log-likelihoods of rows, each read whole from the start state, and step-by-step decoding that carries the state
/// from one token to the next (the prefix is never read again). Thread-safe: calls into the network are serialized.
/// </summary>
/// <remarks>
/// Rows are framed as <c>SEP t₁ … tₙ SEP</c> (<see cref="TokenIdLayout.Frame"/>); the n + 1 targets t₁ … tₙ, SEP are
/// scored. A row's context is unbounded — the state carries it — so <see cref="ContextLength"/> is
/// <see cref="int.MaxValue"/> and no row is ever cut into sliding windows. Long rows are read in pieces, carrying the
/// state, which gives the same numbers as one pass: each position is read once, so the work is linear in the row's
/// length, and a piece holds at most <see cref="ActivationBudget"/> values (activations of every layer and logits,
/// <see cref="IStatefulNetwork.ActivationsPerPosition"/>), so memory is bounded whatever the length.
/// </remarks>
/// <typeparam name="TNetwork">The network.</typeparam>
internal abstract class StatefulLanguageModel<TNetwork> : IAutoregressiveScorer, IStepDecodingModel where TNetwork : nn.Module, IStatefulNetwork
{
    /// <summary>
    /// Upper bound on the values materialized at once while scoring: B·T positions times the network's activations
    /// per position, plus the log-softmax of the logits (float32: 256 MB).
    /// </summary>
    internal const long ActivationBudget = 64L << 20;
    private readonly object _gate = new();
    private readonly int _maxPiece = int.MaxValue;

    /// <summary>Wraps a trained network living on <paramref name="device"/>.</summary>
    /// <exception cref="ArgumentException">The layout's size differs from the network's vocabulary.</exception>
    protected StatefulLanguageModel(TNetwork model, TokenIdLayout vocabulary, Device device)
    {
        if (vocabulary.Size != model.VocabularySize)
            throw new ArgumentException($"The vocabulary has {vocabulary.Size} ids but the network {model.VocabularySize}.", nameof(vocabulary));
        if (vocabulary.ConditionKeyCount != 0)
            throw new ArgumentException("Stateful language models take no condition column.", nameof(vocabulary));
        Model = model;
        Vocabulary = vocabulary;
        Device = device;
        model.eval();
    }

    /// <summary>The network.</summary>
    public TNetwork Model { get; }

    /// <inheritdoc/>
    public TokenIdLayout Vocabulary { get; }

    /// <summary>Where the network computes.</summary>
    public Device Device { get; }

    /// <summary>Unbounded: the state carries every earlier token of the row.</summary>
    public int ContextLength => int.MaxValue;

    /// <summary>
    /// Largest number of positions read per forward pass while scoring (the rest follow, carrying the state); the
    /// activation budget bounds it too. Default: no limit beyond that budget.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public int MaxPiece
    {
        get => _maxPiece;
        init => _maxPiece = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxPiece), "MaxPiece must be at least 1.");
    }

    /// <inheritdoc/>
    public abstract string ArmlKind { get; }

    /// <inheritdoc/>
    public abstract int ArmlKindVersion { get; }

    /// <inheritdoc/>
    public abstract void SaveArml(ArmlComponentWriter writer, LanguageModelTransformer owner);

    /// <summary>
    /// The layout version every stateful family writes: 2 adds the compact vocabulary (token-keys.json); version 1
    /// files read keys one to one.
    /// </summary>
    protected const int StatefulModelVersion = LayoutVersions.StatefulLanguageModel;

    /// <summary>Writes what every stateful family saves: config.json (<see cref="StatefulModelFile{TConfig}"/>), the key map and the weights.</summary>
    protected void Save<TConfig>(ArmlComponentWriter writer, LanguageModelTransformer owner, TConfig config)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(owner);
        writer.WriteJson("config.json", new StatefulModelFile<TConfig>(owner.Columns, Vocabulary, owner.Vocabulary?.ToArray(), config, owner.ScoringBatchSize));
        TokenKeyMapFile.Write(writer, owner.KeyMap);
        writer.WriteTensors("weights.safetensors", ArML.Torch.ModuleWeights.Export(Model));
    }

    /// <summary>
    /// Log-likelihood of each framed row's targets from <paramref name="firstTargets"/> on (see
    /// <see cref="IAutoregressiveScorer.ScoreFramed"/>). Every row is read whole, so <paramref name="stride"/> never applies.
    /// </summary>
    public void ScoreFramed(IReadOnlyList<int[]> framed, IReadOnlyList<int> lengths, IReadOnlyList<int> firstTargets, int stride,
        Span<double> logLikelihoods, Span<int> tokenCounts, double[][]? tokenLogProbabilities = null, int[][]? tokenRanks = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        int rows = lengths.Count;
        for (int r = 0; r < rows; r++)
        {
            logLikelihoods[r] = 0;
            tokenCounts[r] = lengths[r] - firstTargets[r];
            if (tokenLogProbabilities != null) tokenLogProbabilities[r] = new double[tokenCounts[r]];
            if (tokenRanks != null) tokenRanks[r] = new int[tokenCounts[r]];
        }
        // Longest rows first: the rows still being read are always a prefix of the batch, so the state shrinks by narrowing.
        var order = Enumerable.Range(0, rows).Where(r => lengths[r] > 1).OrderByDescending(r => lengths[r]).ToArray();
        if (order.Length == 0) return;
        int longest = lengths[order[0]] - 1;   // input positions of the longest row
        int piece = PieceLength(order.Length);
        lock (_gate)
        {
            using var noGrad = no_grad();
            RecurrentState state;
            using (NewDisposeScope()) state = Model.InitialState(order.Length, Device).Detach();
            try
            {
                for (int begin = 0; begin < longest; begin += piece)
                {
                    int active = order.Count(r => lengths[r] - 1 > begin);
                    int length = Math.Min(piece, longest - begin);
                    using var scope = NewDisposeScope();
                    var (logp, ranks, next) = ScorePiece(framed, order, active, begin, length, state.FirstRows(active), tokenRanks != null);
                    Accumulate(logp, ranks, order, active, begin, length, lengths, firstTargets, logLikelihoods, tokenLogProbabilities, tokenRanks);
                    var carried = next.Detach();
                    state.Dispose();
                    state = carried;
                }
            }
            finally
            {
                state.Dispose();
            }
        }
    }

    /// <summary>Positions read per forward pass while <paramref name="rows"/> sequences are read side by side.</summary>
    internal int PieceLength(int rows) =>
        (int)Math.Clamp(ActivationBudget / ((long)rows * (Model.ActivationsPerPosition + Model.VocabularySize)), 1, MaxPiece);

    // Log-probability (and rank, when asked) of each target of input positions begin .. begin+length−1 of the first
    // `active` rows: (active × length), row-major.
    private (double[] LogProbabilities, int[]? Ranks, RecurrentState Next) ScorePiece(IReadOnlyList<int[]> framed, int[] order, int active, int begin,
        int length, RecurrentState state, bool ranks)
    {
        var inputs = new long[active * length];
        var targets = new long[active * length];
        for (int i = 0; i < active; i++)
        {
            var row = framed[order[i]];
            int available = Math.Min(length, row.Length - 1 - begin);
            for (int j = 0; j < available; j++)
            {
                inputs[i * length + j] = row[begin + j];
                targets[i * length + j] = row[begin + j + 1];
            }
            // Right padding (id 0) after a row's end only feeds positions that are never read.
        }
        var x = tensor(inputs, [active, length], device: Device);
        var y = tensor(targets, [active, length], device: Device);
        var (logits, next) = Model.Forward(x, state);
        var all = nn.functional.log_softmax(logits, dim: -1);
        var picked = all.gather(-1, y.unsqueeze(-1));                                                       // (B, T, 1)
        return (picked.squeeze(-1).to_type(ScalarType.Float64).cpu().data<double>().ToArray(),
            ranks ? TrueTokenRanks.Of(all, picked, Vocabulary) : null, next);
    }

    private static void Accumulate(double[] logp, int[]? ranks, int[] order, int active, int begin, int length, IReadOnlyList<int> lengths,
        IReadOnlyList<int> firstTargets, Span<double> logLikelihoods, double[][]? tokenLogProbabilities, int[][]? tokenRanks)
    {
        for (int i = 0; i < active; i++)
        {
            int r = order[i];
            for (int j = 0; j < length; j++)
            {
                int target = begin + j + 1;   // framed position predicted by input position begin + j
                if (target >= lengths[r]) break;
                if (target < firstTargets[r]) continue;
                double value = logp[i * length + j];
                logLikelihoods[r] += value;
                if (tokenLogProbabilities != null) tokenLogProbabilities[r][target - firstTargets[r]] = value;
                if (tokenRanks != null) tokenRanks[r][target - firstTargets[r]] = ranks![i * length + j];
            }
        }
    }

    /// <summary>
    /// Starts decoding a batch of rows step by step (ArML's generation uses this): carrying each row's state, so a step
    /// reads one id, or re-reading every row whole at each step as scoring does. Calls into the network are serialized
    /// with scoring's.
    /// </summary>
    public IStepDecoder CreateDecoder(StepDecoderMode mode = StepDecoderMode.Cached) => mode switch
    {
        StepDecoderMode.Cached => new StatefulStepDecoder(Model, Device, _gate, recompute: false),
        StepDecoderMode.Recompute => new StatefulStepDecoder(Model, Device, _gate, recompute: true),
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };

    int IStepDecodingModel.TokenCount => Vocabulary.TokenKeyCount;

    int IStepDecodingModel.EndOfRowId => Vocabulary.Separator;

    int IStepDecodingModel.ConditionKeyCount => 0;

    int IStepDecodingModel.LogitCount => Vocabulary.Size;

    int IStepDecodingModel.UnknownTokenId => Vocabulary.UnknownToken;

    IReadOnlyList<int> IStepDecodingModel.BeginRow(IReadOnlyList<int> prompt, IReadOnlyList<int>? condition) =>
        StepDecoding.BeginRow(Vocabulary, prompt, condition);

    /// <inheritdoc/>
    public void Dispose() => Model.Dispose();
}
