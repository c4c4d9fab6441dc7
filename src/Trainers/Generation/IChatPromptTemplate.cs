using Microsoft.Extensions.AI;

namespace ArML.Trainers.Generation;

/// <summary>
/// Renders chat messages into the prompt text a language model continues; the model's continuation is the
/// assistant's reply. Implement it to match the format a model was trained on.
/// </summary>
public interface IChatPromptTemplate
{
    /// <summary>The prompt for <paramref name="messages"/>, ending where the assistant's reply begins.</summary>
    /// <param name="messages">The conversation so far.</param>
    /// <param name="options">The request's options (for example <see cref="ChatOptions.Instructions"/>), or null.</param>
    /// <exception cref="NotSupportedException">A message holds content the template cannot render as text.</exception>
    string Render(IReadOnlyList<ChatMessage> messages, ChatOptions? options);

    /// <summary>Texts that end a reply in this format (for example the start of the next user turn); always applied.</summary>
    IReadOnlyList<string> StopSequences { get; }
}
