namespace ArML.Persistence;

/// <summary>What a safetensors file holds: its tensors (in header order) and its free-form string metadata.</summary>
/// <param name="Tensors">Tensors by name.</param>
/// <param name="Metadata">The <c>__metadata__</c> map; empty when the file has none.</param>
internal sealed record SafeTensorsContent(
    IReadOnlyDictionary<string, TensorData> Tensors,
    IReadOnlyDictionary<string, string> Metadata);
