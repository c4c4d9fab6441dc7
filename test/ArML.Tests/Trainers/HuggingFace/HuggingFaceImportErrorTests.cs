using System.Text.Json.Nodes;
using ArML.Persistence;
using ArML.Tests.Support;
using Microsoft.ML;
using Xunit;

namespace ArML.Tests.Trainers.HuggingFace;

/// <summary>What ArML cannot import is refused before any weights are allocated, naming the file and the field or tensor.</summary>
public class HuggingFaceImportErrorTests : IDisposable
{
    private readonly string _directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "arml-hf-bad-" + Guid.NewGuid().ToString("N"));

    public HuggingFaceImportErrorTests() => new RandomGpt2Checkpoint { Layers = 1, Width = 8, Positions = 8 }.Write(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Path(string file) => System.IO.Path.Combine(_directory, file);

    private void EditConfig(Action<JsonObject> edit)
    {
        var config = JsonNode.Parse(File.ReadAllText(Path("config.json")))!.AsObject();
        edit(config);
        File.WriteAllText(Path("config.json"), config.ToJsonString());
    }

    // Rewrites model.safetensors with one tensor changed (null removes it).
    private void EditWeights(string name, Func<TensorData, TensorData?> edit)
    {
        var content = SafeTensorsFormat.Read(File.ReadAllBytes(Path("model.safetensors")));
        var tensors = content.Tensors.Select(kv => KeyValuePair.Create(kv.Key, kv.Key == name ? edit(kv.Value) : kv.Value))
            .Where(kv => kv.Value != null).Select(kv => KeyValuePair.Create(kv.Key, kv.Value!)).ToList();
        if (!content.Tensors.ContainsKey(name)) tensors.Add(KeyValuePair.Create(name, edit(content.Tensors.First().Value)!));
        File.WriteAllBytes(Path("model.safetensors"), SafeTensorsFormat.ToBytes(tensors));
    }

    private Exception Load() => Record.Exception(() => new MLContext().LanguageModeling().LoadHuggingFace(_directory))!;

    [Fact]
    public void TheIntactCheckpointLoads() => Assert.Null(Record.Exception(() => new MLContext().LanguageModeling().LoadHuggingFace(_directory).Dispose()));

    [Fact]
    public void PickledWeightsAreRefusedWithTheConversionCommand()
    {
        File.Move(Path("model.safetensors"), Path("pytorch_model.bin"));
        var e = Assert.IsType<ArmlModelFormatException>(Load());
        Assert.Contains("pytorch_model.bin", e.Message);
        Assert.Contains("safe_serialization=True", e.Message);
    }

    [Theory]
    [InlineData("model_type", "\"llama\"", "model_type")]
    [InlineData("activation_function", "\"swish\"", "activation_function")]
    [InlineData("scale_attn_weights", "false", "scale_attn_weights")]
    [InlineData("scale_attn_by_inverse_layer_idx", "true", "scale_attn_by_inverse_layer_idx")]
    [InlineData("n_embd", "7", "n_embd")]
    [InlineData("n_layer", "\"two\"", "n_layer")]
    [InlineData("layer_norm_epsilon", "-1", "layer_norm_epsilon")]
    [InlineData("bos_token_id", "3", "bos_token_id")]
    [InlineData("eos_token_id", "5000", "eos_token_id")]
    public void UnsupportedConfigValuesAreNamed(string field, string json, string named)
    {
        EditConfig(c => c[field] = JsonNode.Parse(json));
        var e = Assert.IsType<ArmlModelFormatException>(Load());
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void AConfigClaimingMoreThanTheFileHoldsFailsOnShapesBeforeAllocating()
    {
        EditConfig(c => { c["n_layer"] = 1000; c["n_embd"] = 4096; c["n_head"] = 32; });
        var e = Assert.IsType<ArmlModelFormatException>(Load());
        Assert.Contains("transformer.wte.weight", e.Message);
    }

    [Fact]
    public void AMissingTensorIsNamed()
    {
        EditWeights("transformer.h.0.mlp.c_fc.bias", _ => null);
        Assert.Contains("transformer.h.0.mlp.c_fc.bias", Assert.IsType<ArmlModelFormatException>(Load()).Message);
    }

    [Fact]
    public void AShapeMismatchIsNamed()
    {
        // A c_attn weight stored [out, in] (nn.Linear's layout) instead of Conv1D's [in, out].
        EditWeights("transformer.h.0.attn.c_attn.weight", t => t with { Shape = [t.Shape[1], t.Shape[0]] });
        var e = Assert.IsType<ArmlModelFormatException>(Load());
        Assert.Contains("transformer.h.0.attn.c_attn.weight", e.Message);
        Assert.Contains("[24, 8]", e.Message);
    }

    [Fact]
    public void AnIntegerWeightIsNamed()
    {
        EditWeights("transformer.ln_f.weight", t => t with { DType = "I32" });
        var e = Assert.IsType<ArmlModelFormatException>(Load());
        Assert.Contains("transformer.ln_f.weight", e.Message);
        Assert.Contains("I32", e.Message);
    }

    [Fact]
    public void AnUnexpectedTensorIsNamed()
    {
        EditWeights("transformer.h.0.crossattention.c_attn.weight", t => t);
        Assert.Contains("crossattention", Assert.IsType<ArmlModelFormatException>(Load()).Message);
    }

    [Fact]
    public void ANonFiniteWeightIsNamed()
    {
        EditWeights("transformer.h.0.ln_2.bias", t => t with { Data = [.. BitConverter.GetBytes(float.NaN), .. t.Data[4..]] });
        Assert.Contains("transformer.h.0.ln_2.bias", Assert.IsType<ArmlModelFormatException>(Load()).Message);
    }

    [Fact]
    public void ATruncatedFileIsRefusedFromItsHeader()
    {
        var bytes = File.ReadAllBytes(Path("model.safetensors"));
        File.WriteAllBytes(Path("model.safetensors"), bytes[..^100]);
        var e = Assert.IsType<ArmlModelFormatException>(Load());
        Assert.Contains("model.safetensors", e.Message);
    }

    [Fact]
    public void ACorruptHeaderIsRefused()
    {
        var bytes = File.ReadAllBytes(Path("model.safetensors"));
        bytes[8] = (byte)'x';   // the header's opening brace
        File.WriteAllBytes(Path("model.safetensors"), bytes);
        Assert.Contains("model.safetensors", Assert.IsType<ArmlModelFormatException>(Load()).Message);
    }
}
