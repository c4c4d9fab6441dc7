using ArML.Persistence;
using ArML.Text;
using ArML.Trainers;
using ArML.Trainers.NGram;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Cli;

/// <summary>A model file loaded for the CLI: the whole pipeline, its parts, and the text column it reads.</summary>
internal sealed class ModelFile : IDisposable
{
    private ModelFile(string path, ITransformer model, DataViewSchema inputSchema, IReadOnlyList<ITransformer> parts, string textColumn)
    {
        Path = path;
        Model = model;
        InputSchema = inputSchema;
        Parts = parts;
        TextColumnName = textColumn;
    }

    public string Path { get; }

    public ITransformer Model { get; }

    public DataViewSchema InputSchema { get; }

    /// <summary>The pipeline's transformers in order, nested chains flattened.</summary>
    public IReadOnlyList<ITransformer> Parts { get; }

    /// <summary>The input column the model reads text from (the tokenizer's input).</summary>
    public string TextColumnName { get; }

    /// <summary>The last n-gram model of the pipeline, if any.</summary>
    public NGramTransformer? NGram => Parts.OfType<NGramTransformer>().LastOrDefault();

    /// <summary>The last neural language model of the pipeline, if any.</summary>
    public LanguageModelTransformer? LanguageModel => Parts.OfType<LanguageModelTransformer>().LastOrDefault();

    /// <summary>"gpt", "lstm", "ngram", ... for messages and JSON.</summary>
    public string Kind => NGram != null ? "ngram"
        : LanguageModel is { } lm ? lm.ArmlKind.Replace("ArML.", "", StringComparison.Ordinal).Replace("LanguageModel", "", StringComparison.Ordinal).ToLowerInvariant()
        : Parts.LastOrDefault()?.GetType().Name ?? "empty";

    /// <summary>Loads <paramref name="path"/>; anything that is not an ArML model (another tool's zip, a text file) is one clear error.</summary>
    /// <exception cref="CliException">Missing, unreadable or foreign file, or a model without a text input.</exception>
    public static ModelFile Load(MLContext mlContext, string path)
    {
        if (Directory.Exists(path)) throw new CliException($"'{path}' is a folder, not a model file.");
        if (!File.Exists(path)) throw new CliException($"cannot read model '{path}': no such file.");
        ITransformer model;
        DataViewSchema schema;
        try
        {
            model = mlContext.Model.LoadArml(path, out schema);
        }
        catch (ArmlModelFormatException e)
        {
            throw new CliException($"'{path}' is not a usable ArML model: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read model '{path}': {e.Message}");
        }
        var parts = Flatten(model);
        if (!parts.Any(p => p is NGramTransformer or LanguageModelTransformer))
        {
            (model as IDisposable)?.Dispose();
            throw new CliException($"'{path}' holds no language model (it has {string.Join(" → ", parts.Select(p => p.GetType().Name))}).");
        }
        string text = parts.OfType<ITokenizerTransformer>().FirstOrDefault()?.InputColumnName
            ?? schema.Where(c => c.Type is TextDataViewType).Select(c => c.Name).SingleOrDefault()
            ?? throw new CliException($"'{path}' has no tokenizer reading a text column, so the CLI cannot feed it text.");
        return new ModelFile(path, model, schema, parts, text);
    }

    public void Dispose()
    {
        foreach (var part in Parts) (part as IDisposable)?.Dispose();
    }

    /// <summary>The transformers of a pipeline in order, nested chains flattened.</summary>
    public static List<ITransformer> Flatten(ITransformer model) => ModelFlattening.Flatten(model);
}
