using System.Text;
using ArML.Persistence;
using ArML.Torch;
using ArML.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ArML.Trainers.Gpt;

public sealed partial class GptModel
{
    private const string AdapterSuffix = "_lora";

    /// <summary>The adapters' settings, or null for a model without adapters.</summary>
    internal LoraConfig? Adapter { get; private set; }

    /// <summary>Whether low-rank adapters are attached (their products are added to the adapted layers' outputs).</summary>
    public bool HasAdapters => Adapter != null;

    /// <summary>
    /// Attaches a zero-initialised adapter to every targeted matrix of every block (A drawn from a generator seeded with
    /// <paramref name="seed"/>) and freezes every other parameter: afterwards only adapters require gradients.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model already has adapters.</exception>
    internal void AddAdapters(LoraConfig config, long seed)
    {
        if (Adapter != null) throw new InvalidOperationException("The model already has adapters; merge them first (MergeAdapters).");
        config.Check(message => new ArgumentOutOfRangeException(nameof(config), message));
        var modules = named_modules().ToDictionary(m => m.name, m => m.module, StringComparer.Ordinal);
        using var generator = new Generator((ulong)seed ^ 0x10BA);
        for (int i = 0; i < Config.LayerCount; i++)
            foreach (var (layer, input, output) in config.Layers(Config))
            {
                var linear = (Linear)modules[$"h.{i}.{layer}"];
                int dot = layer.IndexOf('.', StringComparison.Ordinal);
                var adapter = new LoraAdapter(input, output, config, generator, linear.weight!.device);
                modules[$"h.{i}.{layer[..dot]}"].register_module(layer[(dot + 1)..] + AdapterSuffix, adapter);
                _precision.Adapters[linear] = adapter;
            }
        foreach (var (name, parameter) in named_parameters())
            if (!IsAdapterTensor(name)) parameter.requires_grad = false;
        Adapter = config;
    }

    /// <summary>Whether a state-dict name is an adapter's ("h.N.attn.c_attn_lora.A").</summary>
    internal static bool IsAdapterTensor(string name) => name.Contains(AdapterSuffix + ".", StringComparison.Ordinal);

    /// <summary>The adapter tensors <paramref name="adapter"/> gives a model of shape <paramref name="model"/>, in order (all F32).</summary>
    internal static IEnumerable<TensorSpec> ExpectedAdapterTensors(GptConfig model, LoraConfig adapter)
    {
        for (int i = 0; i < model.LayerCount; i++)
            foreach (var (layer, input, output) in adapter.Layers(model))
            {
                yield return new TensorSpec($"h.{i}.{layer}{AdapterSuffix}.A", "F32", [adapter.Rank, input]);
                yield return new TensorSpec($"h.{i}.{layer}{AdapterSuffix}.B", "F32", [output, adapter.Rank]);
            }
    }

    /// <summary>The base weights (every state-dict tensor but the adapters'), on the CPU.</summary>
    internal List<KeyValuePair<string, TensorData>> BaseWeights() =>
        ModuleWeights.Export(this).Where(kv => !IsAdapterTensor(kv.Key)).ToList();

    /// <summary>The adapters' tensors, on the CPU (empty without adapters).</summary>
    internal List<KeyValuePair<string, TensorData>> AdapterWeights() =>
        ModuleWeights.Export(this).Where(kv => IsAdapterTensor(kv.Key)).ToList();

    /// <summary>
    /// The base weights with every adapter folded in, W + (α / r)·B·A computed in float64 and rounded once to float32:
    /// the weights of a model without adapters that computes what this one does.
    /// </summary>
    internal List<KeyValuePair<string, TensorData>> MergedWeights()
    {
        var weights = BaseWeights();
        if (Adapter is not LoraConfig config) return weights;
        var adapters = AdapterWeights().ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        for (int w = 0; w < weights.Count; w++)
        {
            string name = weights[w].Key;
            if (!name.EndsWith(".weight", StringComparison.Ordinal)) continue;
            string prefix = name[..^".weight".Length] + AdapterSuffix;
            if (!adapters.TryGetValue(prefix + ".A", out var a)) continue;
            var down = a.ToTensor().to_type(ScalarType.Float64);
            var up = adapters[prefix + ".B"].ToTensor().to_type(ScalarType.Float64);
            var merged = KeptScalar.AddInPlace(weights[w].Value.ToTensor().to_type(ScalarType.Float64), KeptScalar.MulInPlace(up.matmul(down), config.Scaling));
            weights[w] = KeyValuePair.Create(name, merged.to_type(ScalarType.Float32).ToTensorData());
        }
        return weights;
    }

    /// <summary>
    /// "sha256:" and the SHA-256 of the base weights in the saved layout's order (<see cref="GptLanguageModelLoader.ExpectedTensors"/>):
    /// for each tensor its UTF-8 name, dtype, rank, dimensions and little-endian bytes. Adapters are left out, so a
    /// model and the same model with adapters share it; an adapters file records it to name the base it belongs to.
    /// </summary>
    internal string BaseHash()
    {
        var weights = BaseWeights().ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        using var hash = new ContentHash();
        foreach (var spec in GptLanguageModelLoader.ExpectedTensors(Config))
        {
            var tensor = weights[spec.Name];
            hash.Append<byte>(Encoding.UTF8.GetBytes(spec.Name + "\0" + tensor.DType + "\0"));
            hash.Append(tensor.Shape.Length);
            hash.Append<long>(tensor.Shape);
            hash.Append<byte>(tensor.Data);
        }
        return "sha256:" + hash.Finish();
    }
}
