using System.Text;
using Microsoft.Extensions.AI;

namespace ArML.Trainers.Generation;

/// <summary>
/// The default chat template: a plain transcript, one turn per line, which any model trained on text can continue.
/// </summary>
/// <remarks>
/// <code>
/// System: {ChatOptions.Instructions}
/// System: {system message}
/// User: {user message}
/// Assistant: {assistant message}
/// User: {user message}
/// Assistant: 
/// </code>
/// Each message is "Label: text" and a line break; the prompt ends with the assistant's label, a colon and a space.
/// Roles other than system, user and assistant use their own name as the label. The reply stops at a line break
/// followed by the user's label (the model starting the next turn). Only text content can be rendered.
/// </remarks>
public sealed class TranscriptChatTemplate : IChatPromptTemplate
{
    /// <summary>Label of system messages and instructions; default "System".</summary>
    public string SystemLabel { get; init; } = "System";

    /// <summary>Label of user messages; default "User".</summary>
    public string UserLabel { get; init; } = "User";

    /// <summary>Label of assistant messages; default "Assistant".</summary>
    public string AssistantLabel { get; init; } = "Assistant";

    /// <inheritdoc/>
    public IReadOnlyList<string> StopSequences => ["\n" + UserLabel + ":"];

    /// <inheritdoc/>
    public string Render(IReadOnlyList<ChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var prompt = new StringBuilder();
        if (!string.IsNullOrEmpty(options?.Instructions)) prompt.Append(SystemLabel).Append(": ").Append(options.Instructions).Append('\n');
        foreach (var message in messages)
        {
            var unsupported = message.Contents.FirstOrDefault(c => c is not TextContent);
            if (unsupported != null)
                throw new NotSupportedException($"A {message.Role} message holds {unsupported.GetType().Name}; this template renders text only.");
            prompt.Append(Label(message.Role)).Append(": ").Append(message.Text).Append('\n');
        }
        return prompt.Append(AssistantLabel).Append(": ").ToString();
    }

    private string Label(ChatRole role) =>
        role == ChatRole.System ? SystemLabel
        : role == ChatRole.User ? UserLabel
        : role == ChatRole.Assistant ? AssistantLabel
        : role.Value.Length > 0 ? char.ToUpperInvariant(role.Value[0]) + role.Value[1..] : role.Value;
}
