using ArML.Data;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Trainers.Classification;

/// <summary>Adds a <see cref="GptClassificationTransformer"/>'s columns, classifying a batch of rows per forward pass.</summary>
internal sealed class GptClassificationMapper : BatchRowMapper
{
    private readonly DataViewSchema.Column _tokens;
    private readonly GptClassificationTransformer _model;
    private readonly OutputColumn[] _outputs;

    public GptClassificationMapper(DataViewSchema inputSchema, DataViewSchema.Column tokens, GptClassificationTransformer model)
        : base(inputSchema, model.ScoringBatchSize)
    {
        _tokens = tokens;
        _model = model;
        _outputs = Outputs(model.IsBinary, model.ClassCount, model.ClassNames);
    }

    public override IReadOnlyList<OutputColumn> OutputColumns => _outputs;

    /// <summary>Binary: Score, Probability, PredictedLabel (Boolean). Multiclass: Score (probabilities), PredictedLabel (key).</summary>
    public static OutputColumn[] Outputs(bool binary, int classCount, IReadOnlyList<string>? classNames)
    {
        if (binary)
            return [new("Score", NumberDataViewType.Single), new("Probability", NumberDataViewType.Single), new("PredictedLabel", BooleanDataViewType.Instance)];
        DataViewSchema.Annotations? Names(string kind)
        {
            if (classNames is null) return null;
            var builder = new DataViewSchema.Annotations.Builder();
            ValueGetter<VBuffer<ReadOnlyMemory<char>>> getter = (ref VBuffer<ReadOnlyMemory<char>> value) =>
                value = new VBuffer<ReadOnlyMemory<char>>(classNames.Count, classNames.Select(n => n.AsMemory()).ToArray());
            builder.Add(kind, new VectorDataViewType(TextDataViewType.Instance, classNames.Count), getter);
            return builder.ToAnnotations();
        }
        return [new("Score", new VectorDataViewType(NumberDataViewType.Single, classCount), Names("SlotNames")),
            new("PredictedLabel", new KeyDataViewType(typeof(uint), classCount), Names("KeyValues"))];
    }

    public override IEnumerable<DataViewSchema.Column> GetDependencies(bool[] activeOutputs) => [_tokens];

    public override BatchComputation CreateComputation(DataViewRow input, bool[] activeOutputs, int capacity) => new Computation(this, input, capacity);

    private sealed class Computation : BatchComputation
    {
        private readonly GptClassificationMapper _owner;
        private readonly DataViewRow _input;
        private readonly TokenIdReader _tokens;
        private readonly int[][] _framed;
        private readonly float[][] _probabilities;
        private readonly float[] _scores;
        private readonly uint[] _predicted;
        private readonly List<int> _frame = [];
        private int[] _ids = new int[64];

        public Computation(GptClassificationMapper owner, DataViewRow input, int capacity)
        {
            _owner = owner;
            _input = input;
            _tokens = TokenIdReader.Create(input, owner._tokens);
            _framed = new int[capacity][];
            _probabilities = new float[capacity][];
            _scores = new float[capacity];
            _predicted = new uint[capacity];
        }

        public override void Capture(int slot)
        {
            int n = _tokens.ReadAllowingMissing(ref _ids, _input.Position);
            _owner._model.KeyMap.ToModelIds(_ids.AsSpan(0, n), _owner._tokens.Name, _input.Position);
            _framed[slot] = ClassifierRows.Frame(_owner._model.Layout, _ids.AsSpan(0, n), _owner._model.ContextLength, _frame);
        }

        public override void Compute(int count)
        {
            int k = _owner._model.ClassCount;
            var logits = _owner._model.Logits(_framed[..count]);
            for (int r = 0; r < count; r++)
            {
                var row = logits.AsSpan(r * k, k);
                // Softmax in float64: probabilities that sum to 1 within float32 rounding, for any logits.
                double max = double.NegativeInfinity;
                foreach (float l in row) max = Math.Max(max, l);
                double sum = 0;
                foreach (float l in row) sum += Math.Exp(l - max);
                var p = new float[k];
                int best = 0;
                for (int c = 0; c < k; c++)
                {
                    p[c] = (float)(Math.Exp(row[c] - max) / sum);
                    if (row[c] > row[best]) best = c;
                }
                _probabilities[r] = p;
                _predicted[r] = (uint)(best + 1);
                if (k == 2) _scores[r] = row[1] - row[0];
            }
        }

        public override ValueGetter<T> GetGetter<T>(int outputIndex, Func<int> slot)
        {
            if (_owner._model.IsBinary)
            {
                return outputIndex switch
                {
                    0 => SlotGetter<T, float>(_scores, slot),
                    1 => Cast<T, float>((ref float value) => value = _probabilities[slot()][1]),
                    _ => Cast<T, bool>((ref bool value) => value = _probabilities[slot()][1] > 0.5f),
                };
            }
            return outputIndex == 0
                ? Cast<T, VBuffer<float>>((ref VBuffer<float> value) => DetachedVectors.Write<float>(_probabilities[slot()], ref value))
                : SlotGetter<T, uint>(_predicted, slot);
        }

        private static ValueGetter<T> Cast<T, TValue>(ValueGetter<TValue> getter) =>
            getter as ValueGetter<T> ?? throw new InvalidOperationException($"Requested {typeof(T).Name} from a column of {typeof(TValue).Name}.");
    }
}
