using ArML.Trainers.Generation;

namespace ArML.Trainers.NGram;

/// <summary>
/// Decodes rows of an n-gram model step by step. Cached: each row carries the model's state (the trie nodes of its
/// last Order − 1 words) and a step moves it past one word (<see cref="NGramLanguageModel.Advance"/>). Recompute: each
/// step looks the row's whole context up afresh, suffix by suffix (the reference).
/// </summary>
internal sealed class NGramStepDecoder : IStepDecoder
{
    private static readonly double Ln10 = Math.Log(10);
    private readonly NGramStepModel _owner;
    private readonly NGramLanguageModel _model;
    private readonly bool _recompute;
    private readonly double[] _log10;      // scratch: log10 p of every model word
    private int[][] _states = [];           // each row's state (cached)
    private List<int>[] _contexts = [];     // each row's words since its sentence began, <s> first (recompute)

    public NGramStepDecoder(NGramStepModel owner, bool recompute)
    {
        _owner = owner;
        _model = owner.Model;
        _recompute = recompute;
        _log10 = new double[_model.VocabularySize];
    }

    public int RowCount => _states.Length;

    public int LogitCount => _owner.LogitCount;

    public void Prefill(IReadOnlyList<IReadOnlyList<int>> prefixes, Span<float> logits)
    {
        StepDecoding.CheckPrefill(prefixes, logits, LogitCount);
        int rows = prefixes.Count;
        var states = new int[rows][];
        var contexts = new List<int>[rows];
        for (int r = 0; r < rows; r++)
        {
            states[r] = new int[Math.Max(0, _model.Order - 1)];
            contexts[r] = [];
            // A row starts at the start of a sentence, whether or not its prefix begins with the separator.
            Read(states[r], contexts[r], _owner.EndOfRowId);
            foreach (int id in prefixes[r]) Read(states[r], contexts[r], id);
        }
        _states = states;
        _contexts = contexts;
        for (int r = 0; r < rows; r++) Write(r, logits.Slice(r * LogitCount, LogitCount));
    }

    public void Append(ReadOnlySpan<int> ids, Span<float> logits)
    {
        StepDecoding.CheckAppend(ids, RowCount, logits, LogitCount);
        for (int r = 0; r < RowCount; r++)
        {
            Read(_states[r], _contexts[r], ids[r]);
            Write(r, logits.Slice(r * LogitCount, LogitCount));
        }
    }

    public void Select(ReadOnlySpan<int> rows)
    {
        StepDecoding.CheckRows(rows, RowCount);
        var states = new int[rows.Length][];
        var contexts = new List<int>[rows.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            states[i] = (int[])_states[rows[i]].Clone();
            contexts[i] = new List<int>(_contexts[rows[i]]);
        }
        _states = states;
        _contexts = contexts;
    }

    // The end of a row is <s> as a context (a new sentence); any other id moves the state past its word.
    private void Read(int[] state, List<int> context, int id)
    {
        if (id == _owner.EndOfRowId)
        {
            _model.StartSentence(state);
            if (_recompute)
            {
                context.Clear();
                context.Add(NGramLanguageModel.SentenceStartId);
            }
            return;
        }
        int word = _owner.WordOf(id);
        if (_recompute) context.Add(word);
        else _model.Advance(state, word);
    }

    private void Write(int row, Span<float> logits)
    {
        var state = _states[row];
        if (_recompute) _model.ContextState(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_contexts[row]), state);
        _model.NextWordLog10Probabilities(state, _log10);
        for (int id = 0; id < LogitCount; id++)
        {
            int word = _owner.WordOf(id);
            // <unk> is never decoded (a model does not choose to emit "unknown"), whether the unknown token or a key spelled <unk> stands for it.
            logits[id] = word == NGramLanguageModel.UnknownWordId ? float.NegativeInfinity : (float)(_log10[word] * Ln10);
        }
    }

    public void Dispose()
    {
        _states = [];
        _contexts = [];
    }
}
