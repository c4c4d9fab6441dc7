using ArML.Schema;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Trainers.Generation;

/// <summary>
/// The pipeline step of <c>mlContext.LanguageModeling().Generate(...)</c>: it learns nothing (the language model is
/// already trained), so <see cref="Fit"/> only checks the input's columns.
/// </summary>
public sealed class TextGenerationEstimator : IEstimator<TextGenerationTransformer>
{
    private readonly TextGenerator _generator;
    private readonly string _outputColumnName;
    private readonly string _inputColumnName;
    private readonly string? _conditionColumnName;
    private readonly GenerationOptions _options;
    private readonly int _seed;

    internal TextGenerationEstimator(MLContext context, TextGenerator generator, string outputColumnName, string inputColumnName,
        GenerationOptions? options, string? conditionColumnName)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        ArgumentException.ThrowIfNullOrEmpty(inputColumnName);
        _options = options?.Clone() ?? new GenerationOptions();
        _options.Validate();
        int conditionKeys = generator.Tokens.Model.ConditionKeyCount;
        if (conditionKeys > 0 && conditionColumnName is null)
            throw new ArgumentException("The language model is conditional: name its condition column (conditionColumnName).", nameof(conditionColumnName));
        if (conditionKeys == 0 && conditionColumnName != null)
            throw new ArgumentException($"The language model takes no condition, but condition column '{conditionColumnName}' was given.", nameof(conditionColumnName));
        _generator = generator;
        _outputColumnName = outputColumnName;
        _inputColumnName = inputColumnName;
        _conditionColumnName = conditionColumnName;
        using var host = ArmlHost.Create(context, nameof(TextGenerationEstimator));
        _seed = _options.Seed ?? host.NextSeed();
    }

    /// <summary>Checks <paramref name="input"/>'s schema and returns the generating transformer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The prompt or condition column is missing or of the wrong type.</exception>
    public TextGenerationTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var transformer = new TextGenerationTransformer(_generator, _outputColumnName, _inputColumnName, _conditionColumnName, _options, _seed);
        transformer.GetOutputSchema(input.Schema);
        return transformer;
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">The prompt or condition column is missing or of the wrong type.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ColumnChecks.RequireText(inputSchema, _inputColumnName, "prompt");
        if (_conditionColumnName is string condition)
        {
            var column = ColumnChecks.Find(inputSchema, condition)
                ?? throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Condition column '{condition}' was not found in the input schema.");
            if (!column.IsKey) throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Condition column '{condition}' must be a key or a vector of keys.");
        }
        var added = new DataViewSchema.Builder();
        added.AddColumn(_outputColumnName, TextGenerationMapper.OutputType(_options.NumberOfSequences));
        return SchemaShapeShim.Append(inputSchema, added.ToSchema());
    }
}
