using ArML.Persistence;
using ArML.Torch;
using ArML.Trainers;
using ArML.Trainers.Gpt;
using TorchSharp;

namespace ArML;

/// <summary>
/// Low-rank adapters of GPT language models (<see cref="LoraOptions"/>): folding them into the weights, saving them
/// alone, and attaching saved adapters to their base model.
/// </summary>
public static class LoraCatalogExtensions
{
    /// <summary>
    /// A new model without adapters whose weights are <paramref name="model"/>'s with its adapters folded in
    /// (W + (α / r)·B·A, computed in float64 and rounded once): it computes what the adapted model computes, up to
    /// float32 rounding, at the cost of a model without adapters. The new model owns its own network (dispose it); a
    /// model without adapters is copied as it is.
    /// </summary>
    /// <param name="model">A GPT language model.</param>
    /// <exception cref="ArgumentException"><paramref name="model"/> is not a GPT model.</exception>
    public static LanguageModelTransformer MergeAdapters(this LanguageModelTransformer model)
    {
        var gpt = Gpt(model, nameof(model));
        return Rebuild(model, gpt, gpt.Model.MergedWeights(), adapter: null);
    }

    /// <summary>
    /// Writes <paramref name="model"/>'s adapters alone to <paramref name="path"/> (a safetensors file, a few MB where the
    /// model is hundreds), with their settings and the SHA-256 of the base weights they were trained on;
    /// <see cref="LoadArmlAdapters"/> attaches them to that base again.
    /// </summary>
    /// <param name="model">A GPT language model trained with <see cref="GptTrainer.Options.Adapter"/>.</param>
    /// <param name="path">The file to write (replaced atomically).</param>
    /// <exception cref="ArgumentException"><paramref name="model"/> is not a GPT model.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="model"/> has no adapters.</exception>
    public static void SaveArmlAdapters(this LanguageModelTransformer model, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        LoraAdapterFile.Write(path, Gpt(model, nameof(model)).Model);
    }

    /// <summary>
    /// A new model: <paramref name="baseModel"/> with the adapters saved at <paramref name="path"/> by
    /// <see cref="SaveArmlAdapters"/> attached. The base must be the one the adapters were trained on, byte for byte
    /// (its weights' SHA-256 must equal the file's). The new model owns its own copy of the network (dispose it).
    /// </summary>
    /// <param name="catalog">The language modeling catalog.</param>
    /// <param name="baseModel">The GPT language model the adapters were trained on, without adapters.</param>
    /// <param name="path">An adapters file.</param>
    /// <exception cref="ArgumentException"><paramref name="baseModel"/> is not a GPT model, already has adapters, or is
    /// not the adapters' base (the message names both hashes).</exception>
    /// <exception cref="ArmlModelFormatException">The file is not an ArML adapters file, or its tensors do not fit its settings and the base's shape.</exception>
    public static LanguageModelTransformer LoadArmlAdapters(this LanguageModelingCatalog catalog, LanguageModelTransformer baseModel, string path)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var gpt = Gpt(baseModel, nameof(baseModel));
        if (gpt.Model.HasAdapters)
            throw new ArgumentException("The base model already has adapters; attach new ones to its MergeAdapters() result or to the model it was trained from.", nameof(baseModel));
        var (config, adapters) = LoraAdapterFile.Read(path, gpt.Model);
        return Rebuild(baseModel, gpt, gpt.Model.BaseWeights().Concat(adapters), config);
    }

    // A transformer like `model` over a new network of the same shape holding `weights` (and adapters of `adapter`).
    private static LanguageModelTransformer Rebuild(LanguageModelTransformer model, GptLanguageModel gpt,
        IEnumerable<KeyValuePair<string, TensorData>> weights, LoraConfig? adapter)
    {
        var network = new GptModel(gpt.Model.Config, 0, initialize: false);
        try
        {
            if (adapter != null) network.AddAdapters(adapter, seed: 0);
            ModuleWeights.Import(network, weights.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));
            network.to(gpt.Device);
            return model.WithModel(new GptLanguageModel(network, gpt.Vocabulary, gpt.Device));
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    private static GptLanguageModel Gpt(LanguageModelTransformer model, string parameter)
    {
        ArgumentNullException.ThrowIfNull(model, parameter);
        return model.Model as GptLanguageModel
            ?? throw new ArgumentException($"The model is a {model.Model.GetType().Name}; adapters exist for GPT models only.", parameter);
    }
}
