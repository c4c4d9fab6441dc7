using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Persistence;

/// <summary>
/// Writes a model as an ArML archive. The flattened pipeline is cut into parts: each run of consecutive ML.NET
/// transformers becomes one segment saved by ML.NET's own serializer (with the schema flowing into it), and each
/// ArML component writes its own files through an <see cref="ArmlComponentWriter"/>.
/// </summary>
internal static class ArmlModelSaver
{
    private sealed record Part(int Index, IArmlPersistable? Component, List<ITransformer> Transformers, DataViewSchema InputSchema);

    internal static void Save(ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, Stream destination,
        IReadOnlyDictionary<string, string> loaderTypeNames)
    {
        var transformers = ModelFlattening.Flatten(model);
        var parts = Plan(transformers, inputSchema, loaderTypeNames);

        // Everything ML.NET writes is produced in memory first, so an unsavable transformer fails the save before any
        // byte reaches the destination.
        byte[] schemaEntry = SaveMlNet(catalog, new TransformerChain<ITransformer>(), inputSchema,
            e => new NotSupportedException($"ML.NET cannot save the input schema: {e.Message}", e));
        var segments = parts.Where(p => p.Component is null).ToDictionary(p => p.Index, p => SaveSegment(catalog, p));

        var manifestParts = new List<ManifestPart>();
        using (var archive = new ArmlArchiveWriter(destination))
        {
            // Nested zips are deflated although their content already is: stored, their own zip records would sit in the
            // outer file verbatim, where a scan of a truncated file could mistake them for the outer archive's.
            archive.WriteEntry(EntryNames.InputSchema, CompressionLevel.Optimal, schemaEntry);
            foreach (var part in parts)
            {
                if (part.Component is IArmlPersistable component)
                {
                    var writer = new ArmlComponentWriter(archive, EntryNames.ComponentFolder(part.Index));
                    component.SaveArml(writer);
                    writer.Close();
                    manifestParts.Add(new ManifestPart { Kind = component.ArmlKind, KindVersion = component.ArmlKindVersion, Entries = writer.Entries.ToArray() });
                }
                else
                {
                    string entry = EntryNames.MlNetSegment(part.Index);
                    archive.WriteEntry(entry, CompressionLevel.Optimal, segments[part.Index]);
                    manifestParts.Add(new ManifestPart
                    {
                        Kind = ManifestPart.MlNetKind, KindVersion = 1, TransformerCount = part.Transformers.Count, Entries = [entry],
                    });
                }
            }
            archive.Finish(new ArmlManifest
            {
                Format = ArmlManifest.FormatName,
                FormatVersion = ArmlManifest.CurrentFormatVersion,
                LibraryVersion = ArmlVersion.Current,
                Model = ModelFlattening.IsChain(model) ? ArmlManifest.ModelChain : ArmlManifest.ModelSingle,
                InputSchema = EntryNames.InputSchema,
                Parts = manifestParts,
                Entries = [],
            });
        }
    }

    private static List<Part> Plan(List<ITransformer> transformers, DataViewSchema inputSchema, IReadOnlyDictionary<string, string> loaderTypeNames)
    {
        var parts = new List<Part>();
        DataViewSchema schema = inputSchema;
        for (int i = 0; i < transformers.Count; i++)
        {
            var transformer = transformers[i];
            if (transformer is IArmlPersistable component)
            {
                CheckKind(component, loaderTypeNames);
                parts.Add(new Part(parts.Count, component, [transformer], schema));
            }
            else if (parts.Count > 0 && parts[^1].Component is null)
                parts[^1].Transformers.Add(transformer);
            else
                parts.Add(new Part(parts.Count, null, [transformer], schema));

            try
            {
                schema = transformer.GetOutputSchema(schema);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new ArgumentException(
                    $"The input schema does not fit the model: transformer #{i} ({transformer.GetType().FullName}) rejects the schema flowing into it: {e.Message}",
                    nameof(inputSchema), e);
            }
        }
        return parts;
    }

    private static void CheckKind(IArmlPersistable component, IReadOnlyDictionary<string, string> loaderTypeNames)
    {
        string kind = component.ArmlKind;
        if (string.IsNullOrWhiteSpace(kind) || kind == ManifestPart.MlNetKind || !loaderTypeNames.ContainsKey(kind))
            throw new NotSupportedException(
                $"{component.GetType().FullName} declares ArML kind '{kind}', which is not in ArmlComponentRegistry; it could not be loaded back, so it is not saved.");
    }

    private static byte[] SaveSegment(ModelOperationsCatalog catalog, Part part)
    {
        var chain = new TransformerChain<ITransformer>(part.Transformers.ToArray());
        return SaveMlNet(catalog, chain, part.InputSchema, e => ExplainSegmentFailure(catalog, part, e));
    }

    private static byte[] SaveMlNet(ModelOperationsCatalog catalog, ITransformer model, DataViewSchema schema, Func<Exception, Exception> wrap)
    {
        using var buffer = new MemoryStream();
        try
        {
            catalog.Save(model, schema, buffer);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw wrap(e);
        }
        return buffer.ToArray();
    }

    // ML.NET's error does not say which transformer failed; saving them one by one finds it.
    private static Exception ExplainSegmentFailure(ModelOperationsCatalog catalog, Part part, Exception segmentError)
    {
        DataViewSchema schema = part.InputSchema;
        foreach (var transformer in part.Transformers)
        {
            try
            {
                using var sink = new MemoryStream();
                catalog.Save(new TransformerChain<ITransformer>(transformer), schema, sink);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return Unsavable(transformer.GetType(), e);
            }
            schema = transformer.GetOutputSchema(schema);
        }
        return new NotSupportedException(
            $"ML.NET could not save the transformers {string.Join(", ", part.Transformers.Select(t => t.GetType().FullName))}: {segmentError.Message}",
            segmentError);
    }

    private static NotSupportedException Unsavable(Type type, Exception inner) =>
        new($"The model cannot be saved: {type.FullName} is neither an ArML component (IArmlPersistable) nor savable by ML.NET " +
            $"({inner.GetType().Name}: {inner.Message})", inner);
}
