using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace ArML.Trainers.Generation;

/// <summary>
/// A <see cref="TextGenerator"/> behind Microsoft.Extensions.AI's <see cref="IChatClient"/>: messages become a prompt
/// through an <see cref="IChatPromptTemplate"/>, the continuation is the assistant's reply. Get it with
/// <see cref="TextGenerator.AsChatClient"/>.
/// </summary>
/// <remarks>
/// | ChatOptions | GenerationOptions |
/// |---|---|
/// | Temperature | Temperature (0 is greedy) |
/// | TopP | TopP |
/// | TopK | TopK |
/// | MaxOutputTokens | MaxNewTokens |
/// | StopSequences | StopSequences, with the template's own |
/// | Seed | Seed (folded to 32 bits) |
/// | Instructions | rendered by the template |
///
/// Options left null keep the generator's defaults (the <c>defaults</c> given to <c>AsChatClient</c>). Frequency and
/// presence penalties, tools and JSON response formats have no equivalent and throw
/// <see cref="NotSupportedException"/>; <see cref="ChatOptions.ModelId"/> is not used (the client has one model). A
/// response's finish reason is <see cref="ChatFinishReason.Length"/> when the reply reached MaxOutputTokens, otherwise
/// <see cref="ChatFinishReason.Stop"/>; its usage counts prompt and reply tokens. Thread-safe. Disposing the client
/// does not dispose the model.
/// </remarks>
public sealed class TextGeneratorChatClient : IChatClient
{
    private readonly TextGenerator _generator;
    private readonly GenerationOptions _defaults;
    private readonly ChatClientMetadata _metadata;

    internal TextGeneratorChatClient(TextGenerator generator, IChatPromptTemplate template, GenerationOptions? defaults)
    {
        _generator = generator;
        Template = template;
        _defaults = defaults?.Clone() ?? new GenerationOptions();
        _defaults.Validate();
        _metadata = new ChatClientMetadata("ArML", defaultModelId: generator.Tokens.Model.GetType().Name);
    }

    /// <summary>How messages become a prompt.</summary>
    public IChatPromptTemplate Template { get; }

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">An option or a message content has no equivalent here.</exception>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var (generation, promptTokens) = Prepare(messages, options);
        var sequence = (await Task.Run(() => generation.Run(null, cancellationToken), cancellationToken).ConfigureAwait(false))[0];
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, sequence.Text))
        {
            ResponseId = NewId(),
            ModelId = _metadata.DefaultModelId,
            CreatedAt = DateTimeOffset.UtcNow,
            FinishReason = FinishReason(sequence),
            Usage = Usage(promptTokens, sequence),
        };
    }

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">An option or a message content has no equivalent here.</exception>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (generation, promptTokens) = Prepare(messages, options);
        string responseId = NewId(), messageId = NewId();
        var created = DateTimeOffset.UtcNow;
        GeneratedSequence? final = null;
        await foreach (var piece in TextGenerator.Stream(generation, s => final = s, cancellationToken).ConfigureAwait(false))
            yield return Update(piece, responseId, messageId, created);
        var last = Update("", responseId, messageId, created);
        last.FinishReason = FinishReason(final!);
        last.Contents.Add(new UsageContent(Usage(promptTokens, final!)));
        yield return last;
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey != null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return _metadata;
        if (serviceType.IsInstanceOfType(this)) return this;
        if (serviceType.IsInstanceOfType(_generator)) return _generator;
        return null;
    }

    /// <summary>Nothing to release: the generator and its model belong to the caller.</summary>
    public void Dispose()
    {
    }

    private (TokenGenerator.PreparedGeneration Generation, int PromptTokens) Prepare(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        string prompt = Template.Render(messages.ToList(), options);
        var generation = _generator.Prepare(prompt, ChatOptionsMapping.ToGenerationOptions(options, _defaults, Template.StopSequences), null);
        return (generation, _generator.Encode(prompt, 0).Count);
    }

    private ChatResponseUpdate Update(string text, string responseId, string messageId, DateTimeOffset created) =>
        new(ChatRole.Assistant, text)
        {
            ResponseId = responseId,
            MessageId = messageId,
            ModelId = _metadata.DefaultModelId,
            CreatedAt = created,
        };

    private static ChatFinishReason FinishReason(GeneratedSequence sequence) =>
        sequence.FinishReason == GenerationFinishReason.Length ? ChatFinishReason.Length : ChatFinishReason.Stop;

    private static UsageDetails Usage(int promptTokens, GeneratedSequence sequence) => new()
    {
        InputTokenCount = promptTokens,
        OutputTokenCount = sequence.TokenIds.Count,
        TotalTokenCount = promptTokens + sequence.TokenIds.Count,
    };

    private static string NewId() => Guid.NewGuid().ToString("N");
}
