using ArML.Data;
using ArML.Schema;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Trainers.Generation;

/// <summary>Generates the continuations of a batch of prompt rows in one decoding pass.</summary>
internal sealed class TextGenerationMapper : BatchRowMapper
{
    private const int RowsPerBatch = 16;
    private readonly TextGenerationTransformer _owner;
    private readonly DataViewSchema.Column _prompt;
    private readonly DataViewSchema.Column? _condition;
    private readonly OutputColumn[] _outputs;

    public TextGenerationMapper(DataViewSchema inputSchema, TextGenerationTransformer owner) : base(inputSchema, RowsPerBatch)
    {
        _owner = owner;
        _prompt = ColumnChecks.RequireText(inputSchema, owner.InputColumnName, "prompt");
        if (owner.ConditionColumnName is string name)
        {
            int keys = LanguageModelScoringMapper.ConditionKeyCount(inputSchema, name);
            int expected = owner.Generator.Tokens.Model.ConditionKeyCount;
            if (keys != expected)
                throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Condition column '{name}' has key count {keys}, but the model was trained on {expected}.");
            _condition = inputSchema[name];
        }
        _outputs = [new OutputColumn(owner.OutputColumnName, OutputType(owner.SharedOptions.NumberOfSequences))];
    }

    /// <summary>String for one sequence per row, else a vector of that many Strings.</summary>
    public static DataViewType OutputType(int sequences) =>
        sequences == 1 ? TextDataViewType.Instance : new VectorDataViewType(TextDataViewType.Instance, sequences);

    public override IReadOnlyList<OutputColumn> OutputColumns => _outputs;

    public override IEnumerable<DataViewSchema.Column> GetDependencies(bool[] activeOutputs) =>
        !activeOutputs[0] ? [] : _condition is { } c ? [_prompt, c] : [_prompt];

    public override BatchComputation CreateComputation(DataViewRow input, bool[] activeOutputs, int capacity) =>
        new Computation(this, input, capacity);

    private sealed class Computation : BatchComputation
    {
        private readonly TextGenerationMapper _mapper;
        private readonly DataViewRow _input;
        private readonly ValueGetter<ReadOnlyMemory<char>> _prompt;
        private readonly TokenIdReader? _condition;
        private readonly string[] _prompts;
        private readonly int[]?[] _conditions;
        private readonly long[] _positions;
        private readonly ReadOnlyMemory<char>[][] _texts;
        private int[] _conditionIds = new int[16];
        private ReadOnlyMemory<char> _text;

        public Computation(TextGenerationMapper mapper, DataViewRow input, int capacity)
        {
            _mapper = mapper;
            _input = input;
            _prompt = input.GetGetter<ReadOnlyMemory<char>>(mapper._prompt);
            _condition = mapper._condition is { } c ? TokenIdReader.CreateForKeyOrKeyVector(input, c) : null;
            _prompts = new string[capacity];
            _conditions = new int[]?[capacity];
            _positions = new long[capacity];
            _texts = new ReadOnlyMemory<char>[capacity][];
        }

        public override void Capture(int slot)
        {
            _prompt(ref _text);
            _prompts[slot] = _text.ToString();
            _positions[slot] = _input.Position;
            _conditions[slot] = _condition is null ? null : _conditionIds[.._condition.Read(ref _conditionIds, _input.Position)];
        }

        public override void Compute(int count)
        {
            var owner = _mapper._owner;
            var requests = new GenerationRequest[count];
            for (int slot = 0; slot < count; slot++)
            {
                List<int> ids;
                try
                {
                    ids = owner.Generator.Encode(_prompts[slot], slot);
                }
                catch (ArgumentException e)
                {
                    throw new InvalidDataException($"Row {_positions[slot]} of prompt column '{owner.InputColumnName}' cannot be encoded: {e.InnerException?.Message ?? e.Message}", e);
                }
                requests[slot] = new GenerationRequest(ids, _conditions[slot], GenerationSeeds.Derive(owner.Seed, _positions[slot]));
            }
            int sequences = owner.SharedOptions.NumberOfSequences;
            for (int slot = 0; slot < count; slot++) _texts[slot] = new ReadOnlyMemory<char>[sequences];
            foreach (var generated in owner.Generator.Tokens.GenerateBatch(requests, owner.SharedOptions))
                _texts[generated.PromptIndex][generated.SequenceIndex] = (generated.Text ?? "").AsMemory();
        }

        public override ValueGetter<T> GetGetter<T>(int outputIndex, Func<int> slot)
        {
            Delegate getter = _mapper._outputs[0].Type is VectorDataViewType
                ? (ValueGetter<VBuffer<ReadOnlyMemory<char>>>)((ref VBuffer<ReadOnlyMemory<char>> value) =>
                    DetachedVectors.Write<ReadOnlyMemory<char>>(_texts[slot()], ref value))
                : (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> value) => value = _texts[slot()][0]);
            return getter as ValueGetter<T>
                ?? throw new InvalidOperationException($"Column '{_mapper._owner.OutputColumnName}' holds {_mapper._outputs[0].Type.RawType.Name}, not {typeof(T).Name}.");
        }
    }
}
