namespace ArML.Persistence;

/// <summary>
/// ArML's one table of component layout versions: what each kind writes now (its
/// <see cref="IArmlPersistable.ArmlKindVersion"/>) and, through <see cref="Require"/>, what its loader reads (every
/// version from 1 up to the current one). A layout change bumps the constant here and teaches the loader the new
/// version; files of older versions must keep loading.
/// </summary>
internal static class LayoutVersions
{
    /// <summary>"ArML.Tokenizer" (a tokenizer and its vocabulary).</summary>
    public const int Tokenizer = 1;

    /// <summary>"ArML.CharacterTokenizer" (read only: character tokenizers are now saved as "ArML.Tokenizer").</summary>
    public const int CharacterTokenizer = 1;

    /// <summary>"ArML.TokenDecoder".</summary>
    public const int TokenDecoder = 1;

    /// <summary>"ArML.MuLaw" (μ-law encoder or decoder).</summary>
    public const int MuLaw = 1;

    /// <summary>"ArML.DensityModel".</summary>
    public const int DensityModel = 1;

    /// <summary>
    /// "ArML.GptLanguageModel": 2 adds the compact vocabulary (token-keys.json); version 1 reads keys one to one; 3 adds
    /// the activation, layer-norm epsilon, MLP width and separate head of imported checkpoints (written only by models
    /// that use them, so files of ordinary models stay readable by the previous release); 4 adds low-rank adapters
    /// (config.json's "adapter" and adapters.safetensors, written only by models that have them).
    /// </summary>
    public const int GptLanguageModel = 4;

    /// <summary>"ArML.LstmLanguageModel" and "ArML.LinearBaselineLanguageModel": 2 adds the compact vocabulary, as for GPT.</summary>
    public const int StatefulLanguageModel = 2;

    /// <summary>"ArML.NGramLanguageModel".</summary>
    public const int NGramLanguageModel = 1;

    /// <summary>"ArML.VectorQuantizer" (a VQ-VAE's encoder, codebook and decoder).</summary>
    public const int VectorQuantizer = 1;

    /// <summary>"ArML.VectorDequantizer" (a VQ-VAE's decoder as a transform; the file holds the whole network).</summary>
    public const int VectorDequantizer = 1;

    /// <summary>Throws unless <paramref name="reader"/>'s component has a layout version from 1 to <paramref name="current"/>.</summary>
    /// <exception cref="ArmlModelFormatException">The version is outside that range (naming the component).</exception>
    public static void Require(ArmlComponentReader reader, int current, string component)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (reader.KindVersion < 1 || reader.KindVersion > current)
            throw new ArmlModelFormatException($"{component} layout version {reader.KindVersion} is not supported (this ArML reads " +
                (current == 1 ? "version 1)." : $"versions 1 to {current}).") +
                (reader.KindVersion > current ? " The file was written by a newer ArML." : ""));
    }
}
