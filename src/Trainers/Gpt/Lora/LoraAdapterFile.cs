using System.Globalization;
using ArML.Persistence;

namespace ArML.Trainers.Gpt;

/// <summary>
/// The adapters-only file (<c>SaveArmlAdapters</c>): a safetensors file of the adapters' tensors (the names a model's
/// state dict gives them) whose metadata holds the format and its version, the adapter settings and the base model's
/// content hash (<see cref="GptModel.BaseHash"/>), so that the adapters attach only to the weights they were trained on.
/// </summary>
internal static class LoraAdapterFile
{
    internal const int FormatVersion = 1;
    private const string FormatKey = "arml_format";
    private const string FormatName = "ArML.GptLoraAdapters";
    private const string VersionKey = "arml_format_version";
    private const string BaseKey = "base_sha256";
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Writes <paramref name="model"/>'s adapters to <paramref name="path"/> atomically.</summary>
    internal static void Write(string path, GptModel model)
    {
        var adapter = model.Adapter ?? throw new InvalidOperationException("The model has no adapters to save.");
        var metadata = new Dictionary<string, string>
        {
            [FormatKey] = FormatName,
            [VersionKey] = FormatVersion.ToString(Invariant),
            [BaseKey] = model.BaseHash(),
            ["rank"] = adapter.Rank.ToString(Invariant),
            ["alpha"] = adapter.Alpha.ToString("R", Invariant),
            ["dropout"] = adapter.Dropout.ToString("R", Invariant),
            ["targets"] = ((int)adapter.Targets).ToString(Invariant),
        };
        var tensors = model.AdapterWeights();
        AtomicFile.Write(path, stream => SafeTensorsFormat.Write(stream, tensors, metadata));
    }

    /// <summary>Reads the adapters at <paramref name="path"/> and checks that they belong to <paramref name="baseModel"/>.</summary>
    /// <exception cref="ArmlModelFormatException">The file is not an adapters file of a version this ArML reads, or its settings or tensors are inconsistent.</exception>
    /// <exception cref="ArgumentException">The file's base hash is not <paramref name="baseModel"/>'s (both are named).</exception>
    internal static (LoraConfig Config, IReadOnlyDictionary<string, TensorData> Tensors) Read(string path, GptModel baseModel)
    {
        SafeTensorsContent content;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
        {
            try { content = SafeTensorsFormat.Read(stream, stream.Length); }
            catch (ArmlModelFormatException e) { throw new ArmlModelFormatException($"Adapters file {path} is damaged: {e.Message}", e); }
        }
        var meta = content.Metadata;
        if (!meta.TryGetValue(FormatKey, out var format) || format != FormatName)
            throw new ArmlModelFormatException($"{path} is not an ArML adapters file (its metadata lacks {FormatKey} = {FormatName}).");
        if (!meta.TryGetValue(VersionKey, out var version) || version != FormatVersion.ToString(Invariant))
            throw new ArmlModelFormatException($"Adapters file {path} has format version '{version}'; this ArML reads version {FormatVersion}.");
        string baseHash = baseModel.BaseHash();
        if (!meta.TryGetValue(BaseKey, out var expected) || expected != baseHash)
            throw new ArgumentException(
                $"Adapters file {path} was trained on the base model {expected ?? "(unnamed)"}, but the model given has {baseHash}: adapters attach only to their own base.",
                nameof(baseModel));
        var config = new LoraConfig(Int(meta, "rank", path), Number(meta, "alpha", path), Number(meta, "dropout", path), (LoraTargets)Int(meta, "targets", path));
        config.Check(message => new ArmlModelFormatException($"Adapters file {path}: {message}"));
        SavedTensors.Require(content.Tensors, GptModel.ExpectedAdapterTensors(baseModel.Config, config), $"Adapters file {path}");
        return (config, content.Tensors);
    }

    private static int Int(IReadOnlyDictionary<string, string> meta, string key, string path) =>
        meta.TryGetValue(key, out var text) && int.TryParse(text, NumberStyles.Integer, Invariant, out int value) ? value
            : throw new ArmlModelFormatException($"Adapters file {path}: metadata '{key}' is missing or not an integer.");

    private static double Number(IReadOnlyDictionary<string, string> meta, string key, string path) =>
        meta.TryGetValue(key, out var text) && double.TryParse(text, NumberStyles.Float, Invariant, out double value) ? value
            : throw new ArmlModelFormatException($"Adapters file {path}: metadata '{key}' is missing or not a number.");
}
