using Microsoft.ML;

namespace ArML.Persistence;

/// <summary>
/// <c>mlContext.Model.SaveArml</c> / <c>LoadArml</c>: save and load models that contain ArML components, alongside
/// any ML.NET transformers. ML.NET's own <c>Save</c> cannot write ArML components because its save context is
/// internal to ML.NET; these methods write a single zip file with ML.NET's serialized segments, ArML's component
/// files, and a checksummed manifest.
/// </summary>
/// <remarks>
/// <para>
/// Loading returns a <c>TransformerChain&lt;ITransformer&gt;</c> holding the saved pipeline flattened (nested chains
/// become one chain). If the saved model was a single transformer rather than a chain, that transformer is returned
/// unwrapped, so a caller gets back the same shape it saved. Transformer scopes
/// (<c>TransformerScope</c>) of the original chains are not kept: every transformer of the loaded chain has scope
/// Everything, since ML.NET's public API does not expose a chain's scopes.
/// </para>
/// <para>
/// Loading verifies every entry's size and SHA-256 against the manifest before building anything, accepts only
/// entries the manifest lists, and creates ArML components only through the loaders in
/// <see cref="ArmlComponentRegistry"/>. The checksums detect damage and accidental edits; they are not a signature,
/// so load only files from sources you trust, as with any serialized ML.NET model.
/// </para>
/// </remarks>
public static class ModelOperationsCatalogExtensions
{
    /// <summary>
    /// Saves <paramref name="model"/> and its <paramref name="inputSchema"/> to <paramref name="path"/>, atomically:
    /// the file is written to a temporary name in the same folder, flushed to disk, then renamed over
    /// <paramref name="path"/>. If saving fails, an existing file at <paramref name="path"/> is left unchanged.
    /// A symbolic link at <paramref name="path"/> is followed (the file it points to is replaced, the link kept), the
    /// replaced file's permissions are kept, and temporary files left by a killed save to the same path are removed.
    /// </summary>
    /// <exception cref="NotSupportedException">A transformer is neither an ArML component nor savable by ML.NET; the message names its type.</exception>
    /// <exception cref="ArgumentException"><paramref name="inputSchema"/> does not fit the model.</exception>
    public static void SaveArml(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, string path)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputSchema);
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.Write(path, stream => ArmlModelSaver.Save(catalog, model, inputSchema, stream, ArmlComponentRegistry.LoaderTypeNames));
    }

    /// <summary>
    /// Saves <paramref name="model"/> and its <paramref name="inputSchema"/> to <paramref name="stream"/>, which is
    /// written forward only (it need not be seekable) and left open. If saving fails part-way, the stream may hold an
    /// incomplete archive; use the path overload for all-or-nothing replacement of a file.
    /// </summary>
    /// <inheritdoc cref="SaveArml(ModelOperationsCatalog, ITransformer, DataViewSchema, string)" path="/exception"/>
    public static void SaveArml(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputSchema);
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite) throw new ArgumentException("The stream is not writable.", nameof(stream));
        ArmlModelSaver.Save(catalog, model, inputSchema, stream, ArmlComponentRegistry.LoaderTypeNames);
    }

    /// <summary>Loads a model saved with <c>SaveArml</c> from <paramref name="path"/>.</summary>
    /// <param name="catalog">The model catalog (<c>mlContext.Model</c>).</param>
    /// <param name="path">The model file.</param>
    /// <param name="inputSchema">The schema the model was saved with.</param>
    /// <param name="context">Where ArML components compute; null means the CPU.</param>
    /// <exception cref="ArmlModelFormatException">
    /// The file is not an ArML model, is damaged or altered, has an unsupported format version, or needs a component
    /// this installation cannot load. No part of the model is returned or left in use.
    /// </exception>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    public static ITransformer LoadArml(this ModelOperationsCatalog catalog, string path, out DataViewSchema inputSchema,
        ArmlLoadContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return ArmlModelLoader.Load(catalog, stream, out inputSchema, context ?? new ArmlLoadContext(), ArmlComponentRegistry.LoaderTypeNames);
    }

    /// <summary>
    /// Loads a model saved with <c>SaveArml</c> from <paramref name="stream"/> (left open). A non-seekable stream is
    /// first copied into memory.
    /// </summary>
    /// <inheritdoc cref="LoadArml(ModelOperationsCatalog, string, out DataViewSchema, ArmlLoadContext)"/>
    public static ITransformer LoadArml(this ModelOperationsCatalog catalog, Stream stream, out DataViewSchema inputSchema,
        ArmlLoadContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead) throw new ArgumentException("The stream is not readable.", nameof(stream));
        return ArmlModelLoader.Load(catalog, stream, out inputSchema, context ?? new ArmlLoadContext(), ArmlComponentRegistry.LoaderTypeNames);
    }
}
