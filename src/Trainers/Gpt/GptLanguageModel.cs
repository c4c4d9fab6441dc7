using ArML.Data;
using ArML.Persistence;
using ArML.Torch;
using ArML.Trainers.Generation;
using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Trainers.Gpt;

/// <summary>
/// A trained <see cref="GptModel"/> in evaluation mode with the operations a language model offers: exact
/// log-likelihoods of token sequences and sampling. Thread-safe: calls into the model are serialized.
/// </summary>
/// <remarks>
/// Rows are framed as <c>[c₁ … cₘ] SEP t₁ … tₙ SEP</c> (<see cref="TokenIdLayout.Frame"/>): SEP marks the start and
/// the end of every row, as in training, and a conditional model's condition comes first. The predicted tokens of a
/// row are t₁ … tₙ and the final SEP: n + 1 predictions, so a row's log-likelihood is the log-probability of the
/// complete row, its end included, given its condition (which is never scored).
/// </remarks>
public sealed class GptLanguageModel : IAutoregressiveScorer, IStepDecodingModel
{
    /// <summary>Default of <see cref="ScoringMemoryBudget"/>: 256 MiB.</summary>
    public const long DefaultScoringMemoryBudget = 256L << 20;

    private readonly object _gate = new();
    private long _scoringMemoryBudget = DefaultScoringMemoryBudget;

    /// <summary>Wraps a trained model living on <paramref name="device"/>.</summary>
    public GptLanguageModel(GptModel model, TokenIdLayout vocabulary, Device device)
    {
        if (vocabulary.Size != model.Config.VocabularySize)
            throw new ArgumentException($"The vocabulary has {vocabulary.Size} ids but the model {model.Config.VocabularySize}.");
        Model = model;
        Vocabulary = vocabulary;
        Device = device;
        model.eval();
    }

    /// <summary>The network.</summary>
    public GptModel Model { get; }

    /// <summary>The id layout (tokens, separator, condition).</summary>
    public TokenIdLayout Vocabulary { get; }

    /// <summary>Where the network computes.</summary>
    public Device Device { get; }

    /// <summary>The row separator id.</summary>
    public int SeparatorId => Vocabulary.Separator;

    /// <summary>Positions the model attends over.</summary>
    public int ContextLength => Model.Config.ContextLength;

    /// <summary>
    /// Bytes of activations one scoring forward pass may hold (default <see cref="DefaultScoringMemoryBudget"/>, 256 MiB):
    /// windows of the rows being scored are packed into a pass while windows × T × bytes per position fit, where a
    /// position of a window of T inputs costs 4·(15C + 7C·[rotary] + heads·(2T + 1) + 2V + 3) + 48 bytes (C: width,
    /// V: vocabulary). A pass always takes at least one window, so scoring any row, of any length and at any stride,
    /// holds at most max(budget, one window) of activations besides the rows' ids and results. A setting of this
    /// process, not of the model: it is not saved.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The budget is not positive.</exception>
    public long ScoringMemoryBudget
    {
        get => Interlocked.Read(ref _scoringMemoryBudget);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(ScoringMemoryBudget));
            Interlocked.Exchange(ref _scoringMemoryBudget, value);
        }
    }

    /// <summary>Called with (windows, padded length) before each scoring forward pass: lets tests check the batching.</summary>
    internal Action<int, int>? ForwardPassObserver { get; set; }

    /// <summary>Scores unconditional rows of token ids; see <see cref="ScoreFramed"/>.</summary>
    public void Score(IReadOnlyList<int[]> rows, IReadOnlyList<int> lengths, int stride, Span<double> logLikelihoods, Span<int> tokenCounts)
    {
        var framed = new int[rows.Count][];
        var framedLengths = new int[rows.Count];
        var firsts = new int[rows.Count];
        var buffer = new List<int>();
        for (int r = 0; r < rows.Count; r++)
        {
            firsts[r] = Vocabulary.Frame([], rows[r].AsSpan(0, lengths[r]), buffer);
            framed[r] = buffer.ToArray();
            framedLengths[r] = framed[r].Length;
        }
        ScoreFramed(framed, framedLengths, firsts, stride, logLikelihoods, tokenCounts);
    }

    /// <summary>
    /// Log-likelihood (natural log) of each framed row's targets from <paramref name="firstTargets"/> on, and their
    /// number. Rows longer than the context are scored in windows advancing by <paramref name="stride"/>: every target
    /// once, with at least ContextLength − stride tokens of left context after the first window.
    /// </summary>
    /// <param name="framed">Framed rows (<see cref="TokenIdLayout.Frame"/>); only the first <paramref name="lengths"/> ids count.</param>
    /// <param name="lengths">Length of each framed row.</param>
    /// <param name="firstTargets">Position of each row's first scored target.</param>
    /// <param name="stride">Sliding-window step, 1..ContextLength.</param>
    /// <param name="logLikelihoods">Receives each row's summed log-probability.</param>
    /// <param name="tokenCounts">Receives each row's number of scored targets.</param>
    /// <param name="tokenLogProbabilities">When not null, receives each row's per-target log-probabilities.</param>
    /// <param name="tokenRanks">When not null, receives each row's per-target ranks (1 = the most probable id).</param>
    public void ScoreFramed(IReadOnlyList<int[]> framed, IReadOnlyList<int> lengths, IReadOnlyList<int> firstTargets, int stride,
        Span<double> logLikelihoods, Span<int> tokenCounts, double[][]? tokenLogProbabilities = null, int[][]? tokenRanks = null)
    {
        if (stride < 1 || stride > ContextLength)
            throw new ArgumentOutOfRangeException(nameof(stride), $"Stride must be in 1..{ContextLength}, but is {stride}.");
        for (int r = 0; r < lengths.Count; r++)
        {
            logLikelihoods[r] = 0;
            tokenCounts[r] = lengths[r] - firstTargets[r];
            if (tokenLogProbabilities != null) tokenLogProbabilities[r] = new double[tokenCounts[r]];
            if (tokenRanks != null) tokenRanks[r] = new int[tokenCounts[r]];
        }
        var budget = new GptScoringBudget(Model.Config, ScoringMemoryBudget);
        var written = new int[lengths.Count];
        var chunk = new List<ScoringWindow>();
        // Windows are produced as they are scored: a long row at stride 1 has one per token.
        using var windows = Enumerable.Range(0, lengths.Count)
            .SelectMany(r => ScoringWindow.Enumerate(r, lengths[r], firstTargets[r], ContextLength, stride)).GetEnumerator();
        bool more = windows.MoveNext();
        while (more)
        {
            chunk.Clear();
            int maxLength = 0;
            while (more)
            {
                int longer = Math.Max(maxLength, windows.Current.Length);
                if (!budget.Fits(chunk.Count + 1, longer)) break;
                chunk.Add(windows.Current);
                maxLength = longer;
                more = windows.MoveNext();
            }
            var (picked, ranks) = ScoreChunk(framed, chunk, maxLength, tokenRanks != null);
            for (int w = 0; w < chunk.Count; w++)
            {
                var window = chunk[w];
                for (int j = window.FirstScored; j < window.Length; j++)
                {
                    double value = picked[w * maxLength + j];
                    logLikelihoods[window.Row] += value;
                    if (tokenRanks != null) tokenRanks[window.Row][written[window.Row]] = ranks![w * maxLength + j];
                    if (tokenLogProbabilities != null) tokenLogProbabilities[window.Row][written[window.Row]] = value;
                    written[window.Row]++;
                }
            }
        }
    }

    // Log-probability of every window position's next token, and its rank when asked: (windows × length), row-major.
    private (double[] LogProbabilities, int[]? Ranks) ScoreChunk(IReadOnlyList<int[]> framed, List<ScoringWindow> windows, int length, bool ranks)
    {
        int count = windows.Count;
        ForwardPassObserver?.Invoke(count, length);
        var inputs = new long[count * length];
        var targets = new long[count * length];
        for (int w = 0; w < count; w++)
        {
            var window = windows[w];
            var row = framed[window.Row];
            for (int j = 0; j < window.Length; j++)
            {
                inputs[w * length + j] = row[window.Begin + j];
                targets[w * length + j] = row[window.Begin + j + 1];
            }
            // Right padding (id 0) never influences earlier positions under causal attention.
        }
        lock (_gate)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var x = tensor(inputs, [count, length], device: Device);
            var y = tensor(targets, [count, length], device: Device);
            var logits = Model.call(x);                                                                // (B, T, V)
            var logp = nn.functional.log_softmax(logits, dim: -1);
            logits.Dispose();   // the budget counts logits and log-probabilities, nothing more
            var picked = logp.gather(-1, y.unsqueeze(-1));                                             // (B, T, 1)
            return (picked.squeeze(-1).to_type(ScalarType.Float64).cpu().data<double>().ToArray(),
                ranks ? TrueTokenRanks.Of(logp, picked, Vocabulary) : null);
        }
    }

    /// <inheritdoc/>
    public string ArmlKind => "ArML.GptLanguageModel";

    /// <inheritdoc/>
    /// <remarks>
    /// Version 3 marks models whose config an earlier ArML would misread (it ignores unknown fields): another
    /// activation, epsilon, MLP width or a separate head (imported checkpoints). Version 4 marks models with low-rank
    /// adapters (kept in adapters.safetensors beside the base weights). Others stay at version 2.
    /// </remarks>
    public int ArmlKindVersion => Model.HasAdapters ? LayoutVersions.GptLanguageModel
        : Model.Config == Model.Config with { Activation = GptActivation.Gelu, LayerNormEpsilon = 1e-5, InnerSize = null, TiedHead = true }
            ? 2 : 3;

    /// <inheritdoc/>
    public void SaveArml(ArmlComponentWriter writer, LanguageModelTransformer owner)
    {
        writer.WriteJson("config.json", new GptLanguageModelConfig(owner.Columns, Vocabulary, owner.Vocabulary?.ToArray(), Model.Config,
            owner.ScoringBatchSize, owner.ScoringStride, Model.Adapter));
        TokenKeyMapFile.Write(writer, owner.KeyMap);
        // The base weights keep their file and names; adapters go apart, so the base stays recognisable (and hashable).
        writer.WriteTensors("weights.safetensors", Model.BaseWeights());
        if (Model.HasAdapters) writer.WriteTensors(GptLanguageModelLoader.AdaptersEntry, Model.AdapterWeights());
    }

    /// <summary>
    /// Starts decoding a batch of rows step by step (ArML's generation uses this): with a key-value cache per layer, or
    /// by recomputing each row's whole window at every step. Calls into the model are serialized with scoring's.
    /// </summary>
    public IStepDecoder CreateDecoder(StepDecoderMode mode = StepDecoderMode.Cached) => mode switch
    {
        StepDecoderMode.Cached => new GptCachedDecoder(Model, Device, _gate),
        StepDecoderMode.Recompute => new GptRecomputingDecoder(Model, Device, _gate),
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };

    int IStepDecodingModel.TokenCount => Vocabulary.TokenKeyCount;

    int IStepDecodingModel.EndOfRowId => Vocabulary.Separator;

    int IStepDecodingModel.ConditionKeyCount => Vocabulary.ConditionKeyCount;

    int IStepDecodingModel.LogitCount => Vocabulary.Size;

    int IStepDecodingModel.UnknownTokenId => Vocabulary.UnknownToken;

    IReadOnlyList<int> IStepDecodingModel.BeginRow(IReadOnlyList<int> prompt, IReadOnlyList<int>? condition) =>
        StepDecoding.BeginRow(Vocabulary, prompt, condition);

    /// <inheritdoc/>
    public void Dispose() => Model.Dispose();
}
