using ArML.Persistence;
using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Torch;

/// <summary>A module's parameters and buffers to and from <see cref="TensorData"/>, by their state-dict names.</summary>
internal static class ModuleWeights
{
    /// <summary>Copies every tensor of <paramref name="module"/>'s state dict to the CPU as bytes.</summary>
    public static List<KeyValuePair<string, TensorData>> Export(nn.Module module, string prefix = "") =>
        module.state_dict().Select(kv => KeyValuePair.Create(prefix + kv.Key, kv.Value.ToTensorData())).ToList();

    /// <summary>
    /// Copies tensors named <paramref name="prefix"/> + state-dict name from <paramref name="weights"/> into
    /// <paramref name="module"/> (on whatever device it lives). Every name must be present with the same shape.
    /// </summary>
    /// <exception cref="ArmlModelFormatException">A tensor is missing, unexpected or of another shape.</exception>
    public static void Import(nn.Module module, IReadOnlyDictionary<string, TensorData> weights, string prefix = "")
    {
        var state = module.state_dict();
        var expected = state.Keys.Select(k => prefix + k).ToHashSet();
        var extra = weights.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && !expected.Contains(k)).ToList();
        if (extra.Count > 0) throw new ArmlModelFormatException($"Unexpected tensors: {string.Join(", ", extra.Take(5))}.");
        using var noGrad = no_grad();
        foreach (var (name, target) in state)
        {
            if (!weights.TryGetValue(prefix + name, out var data))
                throw new ArmlModelFormatException($"Tensor '{prefix + name}' is missing.");
            if (!data.Shape.SequenceEqual(target.shape))
                throw new ArmlModelFormatException(
                    $"Tensor '{prefix + name}' has shape [{string.Join(", ", data.Shape)}]; the model expects [{string.Join(", ", target.shape)}].");
            using var source = data.ToTensor();
            target.copy_(source);
        }
    }

    /// <summary>Detached copies of every state-dict tensor (for keeping the best weights in memory).</summary>
    public static Dictionary<string, Tensor> Snapshot(nn.Module module)
    {
        using var noGrad = no_grad();
        return module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope());
    }

    /// <summary>Copies a <see cref="Snapshot"/> back into <paramref name="module"/>.</summary>
    public static void Restore(nn.Module module, IReadOnlyDictionary<string, Tensor> snapshot)
    {
        using var noGrad = no_grad();
        foreach (var (name, target) in module.state_dict()) target.copy_(snapshot[name]);
    }
}
