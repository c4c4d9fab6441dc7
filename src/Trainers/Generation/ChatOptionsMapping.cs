using Microsoft.Extensions.AI;

namespace ArML.Trainers.Generation;

/// <summary>Maps Microsoft.Extensions.AI's <see cref="ChatOptions"/> onto <see cref="GenerationOptions"/> (table in <see cref="TextGeneratorChatClient"/>).</summary>
internal static class ChatOptionsMapping
{
    /// <exception cref="NotSupportedException">An option has no equivalent.</exception>
    public static GenerationOptions ToGenerationOptions(ChatOptions? chat, GenerationOptions defaults, IReadOnlyList<string> templateStops)
    {
        var options = defaults.Clone();
        var stops = new List<string>(options.StopSequences ?? []);
        if (chat != null)
        {
            if (chat.FrequencyPenalty != null || chat.PresencePenalty != null)
                throw new NotSupportedException("Frequency and presence penalties are not supported; use GenerationOptions.RepetitionPenalty in the client's defaults.");
            if (chat.Tools is { Count: > 0 })
                throw new NotSupportedException("This chat client cannot call tools.");
            if (chat.ResponseFormat is ChatResponseFormatJson)
                throw new NotSupportedException("This chat client cannot constrain replies to JSON.");
            if (chat.Temperature is float temperature) options.Temperature = temperature;
            if (chat.TopP is float topP) options.TopP = topP;
            if (chat.TopK is int topK) options.TopK = topK;
            if (chat.MaxOutputTokens is int maxTokens) options.MaxNewTokens = maxTokens;
            if (chat.Seed is long seed) options.Seed = unchecked((int)(seed ^ (seed >> 32)));
            if (chat.StopSequences != null) stops.AddRange(chat.StopSequences);
        }
        stops.AddRange(templateStops);
        options.StopSequences = stops.Distinct(StringComparer.Ordinal).ToList();
        return options;
    }
}
