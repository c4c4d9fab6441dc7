using ArML.Trainers.Generation;

namespace ArML.Tests.Support;

/// <summary>
/// A stand-in language model for the decoding machinery: its logits put all the weight on the next id of a script
/// (then on the end of the row), or, when endless, on (previous id + 1) mod TokenCount forever. Counts decoding steps.
/// </summary>
public sealed class ScriptedStepModel(int tokenCount, IReadOnlyList<int>? script, TimeSpan stepDelay = default) : IStepDecodingModel
{
    private int _steps;

    public IReadOnlyList<int>? Script { get; } = script;
    public TimeSpan StepDelay { get; } = stepDelay;

    public int Steps => Volatile.Read(ref _steps);
    public int ContextLength => int.MaxValue;
    public int TokenCount => tokenCount;
    public int EndOfRowId => tokenCount;
    public int ConditionKeyCount => 0;
    public int LogitCount => tokenCount + 1;

    public IReadOnlyList<int> BeginRow(IReadOnlyList<int> prompt, IReadOnlyList<int>? condition) => [EndOfRowId, .. prompt];

    public IStepDecoder CreateDecoder(StepDecoderMode mode = StepDecoderMode.Cached) => new Decoder(this);

    private sealed class Decoder(ScriptedStepModel model) : IStepDecoder
    {
        private List<(int Generated, int Last)> _rows = [];

        public int RowCount => _rows.Count;
        public int LogitCount => model.LogitCount;

        public void Prefill(IReadOnlyList<IReadOnlyList<int>> prefixes, Span<float> logits)
        {
            _rows = prefixes.Select(p => (0, p[^1])).ToList();
            Write(logits);
        }

        public void Append(ReadOnlySpan<int> ids, Span<float> logits)
        {
            if (model.StepDelay > TimeSpan.Zero) Thread.Sleep(model.StepDelay);
            Interlocked.Increment(ref model._steps);
            for (int r = 0; r < _rows.Count; r++) _rows[r] = (_rows[r].Generated + 1, ids[r]);
            Write(logits);
        }

        public void Select(ReadOnlySpan<int> rows)
        {
            var kept = new List<(int, int)>();
            foreach (int r in rows) kept.Add(_rows[r]);
            _rows = kept;
        }

        private void Write(Span<float> logits)
        {
            for (int r = 0; r < _rows.Count; r++)
            {
                var row = logits.Slice(r * LogitCount, LogitCount);
                row.Fill(-30);
                var (generated, last) = _rows[r];
                var script = model.Script;
                int next = script is null ? (last + 1) % model.TokenCount : generated < script.Count ? script[generated] : model.EndOfRowId;
                row[next] = 30;
            }
        }

        public void Dispose() { }
    }
}
