using ArML.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Persistence;

/// <summary>
/// Reads an ArML archive back into a model. Order matters for safety: the whole archive is verified, then every
/// loader is resolved, and only then is anything instantiated; a failure part-way disposes what was built.
/// </summary>
internal static class ArmlModelLoader
{
    internal static ITransformer Load(ModelOperationsCatalog catalog, Stream source, out DataViewSchema inputSchema,
        ArmlLoadContext context, IReadOnlyDictionary<string, string> loaderTypeNames)
    {
        using var archive = ArmlArchiveReader.Open(Seekable(source));
        var manifest = archive.Manifest;
        var loaders = manifest.Parts
            .Select(p => p.Kind == ManifestPart.MlNetKind ? null : ArmlComponentRegistry.CreateLoader(p.Kind, loaderTypeNames))
            .ToList();

        var schema = LoadInputSchema(catalog, archive, manifest.InputSchema);
        var built = new List<ITransformer>();
        var builtParts = new List<int>();
        try
        {
            for (int i = 0; i < manifest.Parts.Count; i++)
            {
                var part = manifest.Parts[i];
                if (loaders[i] is IArmlComponentLoader loader) built.Add(LoadComponent(archive, part, i, loader, context));
                else built.AddRange(LoadSegment(catalog, archive, part));
                while (builtParts.Count < built.Count) builtParts.Add(i);
            }
            CheckChain(built, builtParts, manifest, schema);
            ITransformer model;
            if (manifest.Model == ArmlManifest.ModelSingle)
            {
                if (built.Count != 1)
                    throw new ArmlModelFormatException($"The manifest records a single transformer, but {built.Count} were loaded.");
                model = built[0];
            }
            else
                model = new TransformerChain<ITransformer>(built.ToArray());
            inputSchema = schema;
            return model;
        }
        catch
        {
            foreach (var transformer in built) TryDispose(transformer);
            throw;
        }
    }

    /// <summary>
    /// Flows the input schema through the loaded steps, so that a file whose parts disagree (a renamed column, a
    /// vocabulary of another size) is refused at load, naming the step, instead of failing at the first Transform.
    /// Each transformer checks its own inputs (names, types, key counts) in <c>GetOutputSchema</c>.
    /// </summary>
    private static void CheckChain(List<ITransformer> steps, List<int> parts, ArmlManifest manifest, DataViewSchema schema)
    {
        for (int i = 0; i < steps.Count; i++)
        {
            try
            {
                schema = steps[i].GetOutputSchema(schema);
            }
            catch (Exception e) when (e is not (OutOfMemoryException or OperationCanceledException))
            {
                var part = manifest.Parts[parts[i]];
                throw new ArmlModelFormatException(
                    $"Step {i} ({steps[i].GetType().Name}, part {parts[i]} of kind '{part.Kind}') does not accept what the steps before it " +
                    $"produce, so the file's parts do not fit together (altered or assembled from different models): {e.Message}", e);
            }
        }
    }

    // The zip layout is checked by seeking; ZipArchive itself would copy a non-seekable stream into memory too.
    private static Stream Seekable(Stream source)
    {
        if (source.CanSeek) return source;
        var copy = new MemoryStream();
        source.CopyTo(copy);
        copy.Position = 0;
        return copy;
    }

    private static DataViewSchema LoadInputSchema(ModelOperationsCatalog catalog, ArmlArchiveReader archive, string entry)
    {
        var (transformer, schema) = LoadMlNet(catalog, archive, entry, "the input schema");
        TryDispose(transformer);
        return schema ?? throw new ArmlModelFormatException($"Entry '{entry}' holds no input schema.");
    }

    private static List<ITransformer> LoadSegment(ModelOperationsCatalog catalog, ArmlArchiveReader archive, ManifestPart part)
    {
        string entry = part.Entries[0];
        var (transformer, _) = LoadMlNet(catalog, archive, entry, "an ML.NET segment");
        var transformers = ModelFlattening.Flatten(transformer);
        if (transformers.Count != part.TransformerCount)
        {
            TryDispose(transformer);
            throw new ArmlModelFormatException(
                $"ML.NET segment '{entry}' holds {transformers.Count} transformers, but the manifest records {part.TransformerCount}.");
        }
        return transformers;
    }

    private static (ITransformer, DataViewSchema?) LoadMlNet(ModelOperationsCatalog catalog, ArmlArchiveReader archive, string entry, string what)
    {
        byte[] bytes = archive.ReadAll(entry);
        MlNetModelGuard.Check(bytes, entry);
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            var transformer = catalog.Load(stream, out var schema);
            return (transformer, schema);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ArmlModelFormatException($"ML.NET could not load {what} from entry '{entry}': {e.Message}", e);
        }
    }

    private static ITransformer LoadComponent(ArmlArchiveReader archive, ManifestPart part, int index, IArmlComponentLoader loader, ArmlLoadContext context)
    {
        var reader = new ArmlComponentReader(archive, part, index);
        try
        {
            return loader.Load(reader, context)
                ?? throw new ArmlModelFormatException($"The loader for component kind '{part.Kind}' (part {index}) returned null.");
        }
        catch (Exception e) when (e is not (ArmlModelFormatException or TorchUnavailableException or OutOfMemoryException or OperationCanceledException))
        {
            // Loaders parse data that passed the checksums but may still be inconsistent (a crafted file); whatever they
            // throw is reported as a format problem of this component.
            throw new ArmlModelFormatException(
                $"Component {index} of kind '{part.Kind}' (version {part.KindVersion}) could not be loaded: {e.GetType().Name}: {e.Message}", e);
        }
        finally
        {
            reader.Close();
        }
    }

    private static void TryDispose(ITransformer transformer)
    {
        if (transformer is not IDisposable disposable) return;
        try { disposable.Dispose(); }
        catch (Exception) { /* cleanup after a failed load must not hide the load error */ }
    }
}
