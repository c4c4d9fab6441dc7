using Microsoft.ML;
using ArML.Data;
using ArML.Persistence;

namespace ArML.Transforms.Audio;

/// <summary>
/// μ-law encoding of audio samples into quantized levels, or decoding of levels back to samples. Create it with
/// <c>mlContext.Transforms.MuLawEncode</c> or <c>mlContext.Transforms.MuLawDecode</c>.
/// </summary>
/// <remarks>
/// | Direction | input column | output column |
/// |---|---|---|
/// | encode | Single or Vector&lt;Single&gt; (samples in [−1, 1]) | Key&lt;UInt32, levels&gt; or Vector of them, same shape |
/// | decode | Key or Vector&lt;Key&gt; (any key width, key count = levels) | Single or Vector&lt;Single&gt;, same shape |
///
/// With μ = levels − 1, a sample x goes to the level nearest sign(x)·ln(1 + μ|x|)/ln(1 + μ) on the grid of levels
/// points 2k/μ − 1 (key k + 1), and level k decodes to the inverse of the curve at that point; a round trip is within
/// (|x| + 1/μ)·((1 + μ)^(1/μ) − 1) of x. Encoding refuses a NaN or a sample outside [−1, 1] (it does not clip);
/// decoding refuses a missing key. Both fail with an <see cref="InvalidDataException"/> naming the column and row.
/// Rows are mapped lazily; the transformer holds no native memory. Thread-safe.
/// </remarks>
public sealed class MuLawTransformer : RowMappingTransformer, IArmlPersistable
{
    internal MuLawTransformer(bool decodes, string outputColumnName, string inputColumnName, int levels)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        ArgumentException.ThrowIfNullOrEmpty(inputColumnName);
        MuLaw.CheckLevels(levels, nameof(levels));
        Decodes = decodes;
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName;
        Levels = levels;
    }

    /// <summary>True for a decoder (levels → samples), false for an encoder (samples → levels).</summary>
    public bool Decodes { get; }

    /// <summary>Name of the column produced.</summary>
    public string OutputColumnName { get; }

    /// <summary>Name of the column read.</summary>
    public string InputColumnName { get; }

    /// <summary>Quantization levels (μ + 1).</summary>
    public int Levels { get; }

    /// <inheritdoc/>
    internal override BatchRowMapper CreateMapper(DataViewSchema inputSchema) => Decodes
        ? new MuLawDecodeMapper(inputSchema, OutputColumnName, InputColumnName, Levels)
        : new MuLawEncodeMapper(inputSchema, OutputColumnName, InputColumnName, Levels);

    /// <inheritdoc/>
    public string ArmlKind => "ArML.MuLaw";

    /// <inheritdoc/>
    public int ArmlKindVersion => LayoutVersions.MuLaw;

    /// <inheritdoc/>
    public void SaveArml(ArmlComponentWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteJson("config.json", new MuLawConfig(Decodes, OutputColumnName, InputColumnName, Levels));
    }
}

/// <summary>What a saved <see cref="MuLawTransformer"/> holds in its config.json.</summary>
/// <param name="Decodes">Decoder (true) or encoder.</param>
/// <param name="OutputColumnName">Column produced.</param>
/// <param name="InputColumnName">Column read.</param>
/// <param name="Levels">Quantization levels.</param>
internal sealed record MuLawConfig(bool Decodes, string OutputColumnName, string InputColumnName, int Levels);

/// <summary>Reads a <see cref="MuLawTransformer"/> saved by <c>SaveArml</c> (kind "ArML.MuLaw").</summary>
internal sealed class MuLawLoader : IArmlComponentLoader
{
    /// <inheritdoc/>
    public ITransformer Load(ArmlComponentReader reader, ArmlLoadContext context)
    {
        ArgumentNullException.ThrowIfNull(reader);
        LayoutVersions.Require(reader, LayoutVersions.MuLaw, "μ-law transform");
        var config = reader.ReadJson<MuLawConfig>("config.json");
        if (string.IsNullOrEmpty(config.OutputColumnName) || string.IsNullOrEmpty(config.InputColumnName))
            throw new ArmlModelFormatException("The μ-law transform's config.json lacks column names.");
        if (config.Levels is < MuLaw.MinLevels or > MuLaw.MaxLevels)
            throw new ArmlModelFormatException($"The μ-law transform's config.json has {config.Levels} levels, outside {MuLaw.MinLevels}..{MuLaw.MaxLevels}.");
        return new MuLawTransformer(config.Decodes, config.OutputColumnName, config.InputColumnName, config.Levels);
    }
}
