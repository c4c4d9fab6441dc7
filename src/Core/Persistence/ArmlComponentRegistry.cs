using System.Collections.Frozen;

namespace ArML.Persistence;

/// <summary>
/// The fixed table from component kind to the loader that reads it back. A model file can only name a kind; it can
/// never name a type, so loading instantiates nothing but the loaders listed here (and ML.NET's own components,
/// through ML.NET's loader).
/// </summary>
internal static class ArmlComponentRegistry
{
    /// <summary>Kind name → assembly-qualified name of its <see cref="IArmlComponentLoader"/>.</summary>
    public static IReadOnlyDictionary<string, string> LoaderTypeNames { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["ArML.CharacterTokenizer"] = "ArML.Transforms.Text.CharacterTokenizerLoader, ArML.Transforms",
        ["ArML.Tokenizer"] = "ArML.Transforms.Text.TokenizerLoader, ArML.Transforms",
        ["ArML.TokenDecoder"] = "ArML.Transforms.Text.TokenDecoderLoader, ArML.Transforms",
        ["ArML.DensityModel"] = "ArML.Trainers.Density.DensityModelLoader, ArML.Trainers",
        ["ArML.GptLanguageModel"] = "ArML.Trainers.Gpt.GptLanguageModelLoader, ArML.Trainers",
        ["ArML.NGramLanguageModel"] = "ArML.Trainers.NGram.NGramTransformerLoader, ArML.Trainers",
        ["ArML.LstmLanguageModel"] = "ArML.Trainers.Lstm.LstmLanguageModelLoader, ArML.Trainers",
        ["ArML.GptClassifier"] = "ArML.Trainers.Classification.GptClassificationLoader, ArML.Trainers",
        ["ArML.LinearBaselineLanguageModel"] = "ArML.Trainers.Baseline.LinearBaselineLanguageModelLoader, ArML.Trainers",
        ["ArML.WaveNetLanguageModel"] = "ArML.Trainers.WaveNet.WaveNetLanguageModelLoader, ArML.Trainers",
        ["ArML.VectorQuantizer"] = "ArML.Trainers.VectorQuantization.VectorQuantizerLoader, ArML.Trainers",
        ["ArML.VectorDequantizer"] = "ArML.Trainers.VectorQuantization.VectorDequantizerLoader, ArML.Trainers",
        ["ArML.MuLaw"] = "ArML.Transforms.Audio.MuLawLoader, ArML.Transforms",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="kind"/> can be saved and loaded.</summary>
    public static bool IsRegistered(string kind) => kind != null && LoaderTypeNames.ContainsKey(kind);

    /// <summary>Creates the loader for <paramref name="kind"/> as <paramref name="table"/> names it.</summary>
    /// <exception cref="ArmlModelFormatException">The kind is unknown, or its loader cannot be found or created.</exception>
    internal static IArmlComponentLoader CreateLoader(string kind, IReadOnlyDictionary<string, string> table) =>
        CreateLoader<IArmlComponentLoader>(kind, table);

    /// <summary>Creates the loader of type <typeparamref name="TLoader"/> for <paramref name="kind"/> as <paramref name="table"/> names it.</summary>
    /// <exception cref="ArmlModelFormatException">The kind is unknown, or its loader cannot be found or created.</exception>
    internal static TLoader CreateLoader<TLoader>(string kind, IReadOnlyDictionary<string, string> table) where TLoader : class
    {
        if (!table.TryGetValue(kind, out string? typeName))
            throw new ArmlModelFormatException(
                $"The model contains a component of kind '{kind}', which this ArML ({ArmlVersion.Current}) does not know. " +
                $"Known kinds: {string.Join(", ", table.Keys.Order(StringComparer.Ordinal))}.");

        string assembly = typeName.Contains(',') ? typeName[(typeName.IndexOf(',') + 1)..].Trim() : "(unspecified)";
        Type? type;
        try
        {
            type = Type.GetType(typeName, throwOnError: false);
        }
        catch (Exception e) when (e is IOException or BadImageFormatException or TypeLoadException or ArgumentException)
        {
            throw new ArmlModelFormatException(
                $"The loader for component kind '{kind}' ({typeName}) could not be loaded from assembly '{assembly}': {e.Message}", e);
        }
        if (type is null)
            throw new ArmlModelFormatException(
                $"The model contains a component of kind '{kind}', whose loader {typeName} was not found. It lives in " +
                $"assembly '{assembly}': reference that ArML package (of a version that has the loader) from the application that loads the model.");
        if (!typeof(TLoader).IsAssignableFrom(type) || type.IsAbstract || type.GetConstructor(Type.EmptyTypes) is not { IsPublic: true })
            throw new ArmlModelFormatException(
                $"{typeName}, registered for component kind '{kind}', is not a concrete {typeof(TLoader).Name} with a public parameterless constructor.");
        try
        {
            return (TLoader)Activator.CreateInstance(type)!;
        }
        catch (System.Reflection.TargetInvocationException e)
        {
            throw new ArmlModelFormatException($"The loader {typeName} for component kind '{kind}' failed to start: {e.InnerException?.Message}", e);
        }
    }
}
