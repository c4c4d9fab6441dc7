using Microsoft.ML;
using ArML.Data;
using ArML.Persistence;
using ArML.Torch;

namespace ArML.Trainers.Density;

/// <summary>
/// A trained density model as an ML.NET transformer: scores each row's vector with its exact log-likelihood and an
/// anomaly score, and samples new vectors.
/// </summary>
/// <remarks>
/// | Column | Type | Meaning |
/// |---|---|---|
/// | LogLikelihood | Double | natural-log probability (discrete data) or density (continuous data) of the row's vector |
/// | TokenCount | Int32 | the dimension D, so <c>mlContext.LanguageModeling().Evaluate</c> reports nats per value |
/// | Score | Single | −LogLikelihood: higher is more unusual (<c>mlContext.AnomalyDetection.Evaluate</c> reads it) |
/// | PredictedLabel | Boolean | Score &gt; <see cref="Threshold"/> |
///
/// A row whose vector has another length, a NaN, or a value outside the distribution's support fails with an
/// <see cref="InvalidDataException"/> naming the column and row. Scoring is lazy and batched
/// (<see cref="ScoringBatchSize"/> rows per forward pass, one pass per mask) and safe with concurrent cursors.
/// The transformer owns native memory: dispose it when done. Save with <c>mlContext.Model.SaveArml</c>.
/// </remarks>
public sealed class DensityTransformer : RowMappingTransformer, IArmlPersistable, IDisposable
{
    internal DensityTransformer(DensityModel model, string featureColumnName, float threshold, int scoringBatchSize)
    {
        Model = model;
        FeatureColumnName = featureColumnName;
        Threshold = threshold;
        ScoringBatchSize = scoringBatchSize;
    }

    /// <summary>The network and its likelihood and sampling operations.</summary>
    public DensityModel Model { get; }

    /// <summary>The feature column read.</summary>
    public string FeatureColumnName { get; }

    /// <summary>D, the length of the modelled vectors.</summary>
    public int Dimension => Model.Dimension;

    /// <summary>Anomaly threshold on Score (nats): PredictedLabel is true above it.</summary>
    public float Threshold { get; }

    /// <summary>Rows scored per forward pass.</summary>
    public int ScoringBatchSize { get; }

    /// <summary>The same model with another anomaly threshold (the model is shared, not copied).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threshold"/> is NaN.</exception>
    public DensityTransformer WithThreshold(float threshold)
    {
        if (float.IsNaN(threshold)) throw new ArgumentOutOfRangeException(nameof(threshold), "The threshold must be a number.");
        return new DensityTransformer(Model, FeatureColumnName, threshold, ScoringBatchSize);
    }

    /// <inheritdoc/>
    internal override BatchRowMapper CreateMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var column = DensityColumns.RequireFeatures(inputSchema, FeatureColumnName, Dimension);
        return new DensityScoringMapper(inputSchema, column, Model, Threshold, ScoringBatchSize);
    }

    /// <summary>
    /// Draws <paramref name="count"/> new vectors by ancestral sampling (see <see cref="DensityModel.Sample"/>), in the
    /// data's units. The same seed gives the same vectors.
    /// </summary>
    public float[][] Sample(int count, int? seed = null) => Model.Sample(count, seed ?? Random.Shared.Next());

    /// <inheritdoc/>
    public string ArmlKind => "ArML.DensityModel";

    /// <inheritdoc/>
    public int ArmlKindVersion => LayoutVersions.DensityModel;

    /// <inheritdoc/>
    public void SaveArml(ArmlComponentWriter writer)
    {
        writer.WriteJson("config.json", new DensityTransformerConfig(FeatureColumnName, Model.Config, Model.Standardization, Threshold, ScoringBatchSize));
        writer.WriteTensors("weights.safetensors", ModuleWeights.Export(Model.Network));
    }

    /// <inheritdoc/>
    public void Dispose() => Model.Dispose();
}
