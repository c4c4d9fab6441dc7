using Microsoft.ML;
using ArML.Transforms.Audio;

namespace ArML;

/// <summary>μ-law quantization of audio on <c>mlContext.Transforms</c>, the usual input of a WaveNet.</summary>
public static class AudioCatalogExtensions
{
    /// <summary>
    /// Quantizes audio samples in [−1, 1] (a Single or Vector&lt;Single&gt; column) into μ-law levels: U4 keys 1 …
    /// <paramref name="levels"/>, the shape of the input. A NaN or a sample outside [−1, 1] fails naming the column and
    /// row (samples are not clipped). See <see cref="MuLawTransformer"/>.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">Key column to produce.</param>
    /// <param name="inputColumnName">Sample column to read; null for <paramref name="outputColumnName"/>.</param>
    /// <param name="levels">Quantization levels, 2 … 65536 (μ = levels − 1). Default 256, WaveNet's.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="levels"/> is out of range.</exception>
    public static MuLawEstimator MuLawEncode(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null, int levels = 256)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new MuLawEstimator(new MuLawTransformer(false, outputColumnName, inputColumnName ?? outputColumnName, levels));
    }

    /// <summary>
    /// Turns μ-law levels (a key or vector-of-keys column with <paramref name="levels"/> keys, e.g. a WaveNet's
    /// samples) back into audio samples in [−1, 1], Single or Vector&lt;Single&gt;. See <see cref="MuLawTransformer"/>.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">Sample column to produce.</param>
    /// <param name="inputColumnName">Key column to read; null for <paramref name="outputColumnName"/>.</param>
    /// <param name="levels">Quantization levels the keys stand for; must equal the column's key count. Default 256.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="levels"/> is out of range.</exception>
    public static MuLawEstimator MuLawDecode(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null, int levels = 256)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new MuLawEstimator(new MuLawTransformer(true, outputColumnName, inputColumnName ?? outputColumnName, levels));
    }
}
