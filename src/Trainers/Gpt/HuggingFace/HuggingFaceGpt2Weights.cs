using System.Text.RegularExpressions;
using ArML.Persistence;
using ArML.Torch;
using static TorchSharp.torch;

namespace ArML.Trainers.Gpt.HuggingFace;

/// <summary>
/// How GPT-2's Hugging Face tensors become an ArML <see cref="GptModel"/>'s parameters, and back. The names are the
/// same (ArML keeps nanoGPT's, which are GPT-2's) but for the <c>transformer.</c> prefix; c_attn, c_proj and c_fc are
/// Conv1D layers in GPT-2, stored [in, out] (y = x·W + b), where ArML's linear layers store [out, in].
/// The end-of-text row of wte (and lm_head) moves to the last row: ArML's separator is the last id
/// (<see cref="TokenIdLayout"/>), and <see cref="Data.TokenKeyMap.WithSeparator"/> maps the tokenizer's ids accordingly.
/// </summary>
internal static partial class HuggingFaceGpt2Weights
{
    /// <summary>One tensor: its Hugging Face name (without prefix), its shape there, whether it is a Conv1D weight, whether its rows are ids.</summary>
    internal sealed record Slot(string Name, long[] Shape, bool Conv1D, bool IdRows);

    [GeneratedRegex(@"^h\.\d+\.attn\.(bias|masked_bias)$")]
    private static partial Regex AttentionBuffer();

    /// <summary>The tensors a GPT-2 of shape <paramref name="m"/> has in Hugging Face's layout (full position table).</summary>
    internal static IEnumerable<Slot> Slots(GptConfig m)
    {
        long c = m.EmbeddingSize, inner = m.MlpWidth;
        yield return new("wte.weight", [m.VocabularySize, c], false, true);
        yield return new("wpe.weight", [m.ContextLength, c], false, false);
        for (int i = 0; i < m.LayerCount; i++)
        {
            string h = $"h.{i}.";
            yield return new(h + "ln_1.weight", [c], false, false);
            yield return new(h + "ln_1.bias", [c], false, false);
            yield return new(h + "attn.c_attn.weight", [c, 3 * c], true, false);
            yield return new(h + "attn.c_attn.bias", [3 * c], false, false);
            yield return new(h + "attn.c_proj.weight", [c, c], true, false);
            yield return new(h + "attn.c_proj.bias", [c], false, false);
            yield return new(h + "ln_2.weight", [c], false, false);
            yield return new(h + "ln_2.bias", [c], false, false);
            yield return new(h + "mlp.c_fc.weight", [c, inner], true, false);
            yield return new(h + "mlp.c_fc.bias", [inner], false, false);
            yield return new(h + "mlp.c_proj.weight", [inner, c], true, false);
            yield return new(h + "mlp.c_proj.bias", [c], false, false);
        }
        yield return new("ln_f.weight", [c], false, false);
        yield return new("ln_f.bias", [c], false, false);
        if (!m.TiedHead) yield return new("lm_head.weight", [m.VocabularySize, c], false, true);
    }

    /// <summary>
    /// Checks every tensor of <paramref name="checkpoint"/> against <paramref name="config"/> (before anything is
    /// allocated), then builds the model at <paramref name="context"/> positions and streams the weights into it.
    /// </summary>
    /// <exception cref="ArmlModelFormatException">A tensor is missing, unexpected, of another shape or dtype, truncated, or not finite; the message names it.</exception>
    internal static GptModel Load(HuggingFaceCheckpoint checkpoint, GptConfig config, int context, int endOfText)
    {
        string prefix = checkpoint.Describe("transformer.wte.weight") != null ? "transformer." : "";
        string NameOf(Slot slot) => slot.Name.StartsWith("lm_head.", StringComparison.Ordinal) ? slot.Name : prefix + slot.Name;
        var slots = Slots(config).ToList();
        foreach (var slot in slots) checkpoint.Require(NameOf(slot), slot.Shape, "GPT-2 " + slot.Name);
        var known = slots.Select(NameOf).ToHashSet(StringComparer.Ordinal);
        foreach (string name in checkpoint.Names)
        {
            if (known.Contains(name)) continue;
            string bare = name.StartsWith(prefix, StringComparison.Ordinal) ? name[prefix.Length..] : name;
            // Causal-mask buffers of older checkpoints hold no weights; a tied head's stored copy is ignored, as transformers ignores it.
            if (AttentionBuffer().IsMatch(bare) || (config.TiedHead && name == "lm_head.weight")) continue;
            throw new ArmlModelFormatException($"The checkpoint holds tensor '{name}', which GPT-2 with this config.json does not have.");
        }

        var model = new GptModel(config with { ContextLength = context }, seed: 0, initialize: false);   // every parameter is read below
        try
        {
            var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            using var noGrad = no_grad();
            foreach (var slot in slots)
            {
                string hf = NameOf(slot);
                var target = parameters[slot.Name];
                HugePages.Advise(target);   // not yet written: its first write takes 2 MiB pages
                checkpoint.CopyInto(hf, target, transpose: slot.Conv1D, rows: slot.Name == "wpe.weight" ? context : null,
                    moveRow: slot.IdRows ? endOfText : -1);
                if (!AllFinite(target))
                    throw new ArmlModelFormatException($"Tensor '{hf}' holds a NaN or infinite value; weights must be finite.");
            }
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    // A NaN or infinity anywhere makes the sum non-finite, so a finite sum proves every value finite; only a sum that
    // overflowed needs the element-wise test. isfinite over all weights cost more than the rest of loading (bench: hf).
    private static bool AllFinite(Tensor values)
    {
        using var scope = NewDisposeScope();
        return float.IsFinite(values.sum().item<float>()) || isfinite(values).all().item<bool>();
    }

    /// <summary>
    /// The model's weights in Hugging Face's names and layout (with the <c>transformer.</c> prefix, float32, Conv1D
    /// weights transposed, the separator's row back at <paramref name="endOfText"/>), for model.safetensors.
    /// </summary>
    internal static List<KeyValuePair<string, TensorData>> Export(GptModel model, int endOfText)
    {
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var result = new List<KeyValuePair<string, TensorData>>();
        using var noGrad = no_grad();
        foreach (var slot in Slots(model.Config))
        {
            using var scope = NewDisposeScope();
            var value = parameters[slot.Name].detach().cpu().to_type(ScalarType.Float32);
            if (slot.Conv1D) value = value.t();
            if (slot.IdRows)
            {
                long last = value.shape[0] - 1;
                value = cat([value.narrow(0, 0, endOfText), value.narrow(0, last, 1), value.narrow(0, endOfText, last - endOfText)]);
            }
            string name = slot.Name.StartsWith("lm_head.", StringComparison.Ordinal) ? slot.Name : "transformer." + slot.Name;
            result.Add(KeyValuePair.Create(name, value.contiguous().ToTensorData()));
        }
        return result;
    }
}
