using System.Text.Json;
using ArML.Trainers;

namespace ArML.Onnx;

/// <summary>
/// genai_config.json for the decoder folder: model type "gpt2" (absolute learned positions, one past_%d/present_%d
/// pair per layer), the separator as beginning, end and padding id, and greedy search by default.
/// </summary>
internal static class GenAiConfig
{
    public const string FileName = "genai_config.json";
    public const string ModelFileName = "model.onnx";

    public static void Write(Stream stream, GptOnnxShape shape, TokenIdLayout ids, int maxLength)
    {
        var config = new
        {
            model = new
            {
                type = "gpt2",
                bos_token_id = ids.Separator,
                eos_token_id = ids.Separator,
                pad_token_id = ids.Separator,
                vocab_size = shape.Config.VocabularySize,
                context_length = shape.Config.ContextLength,
                decoder = new
                {
                    filename = ModelFileName,
                    hidden_size = shape.Width,
                    num_attention_heads = shape.Heads,
                    num_key_value_heads = shape.Heads,
                    head_size = shape.HeadSize,
                    num_hidden_layers = shape.Config.LayerCount,
                    session_options = new { provider_options = Array.Empty<object>() },
                    inputs = new
                    {
                        input_ids = GptDecoderGraph.InputIds,
                        position_ids = GptDecoderGraph.PositionIds,
                        attention_mask = GptDecoderGraph.AttentionMask,
                        past_names = GptDecoderGraph.PastFormat,
                    },
                    outputs = new { logits = GptDecoderGraph.Logits, present_names = GptDecoderGraph.PresentFormat },
                },
            },
            search = new { do_sample = false, max_length = maxLength, min_length = 0, num_beams = 1, num_return_sequences = 1, temperature = 1.0, top_k = 1, top_p = 1.0 },
        };
        JsonSerializer.Serialize(stream, config, new JsonSerializerOptions { WriteIndented = true });
    }
}
