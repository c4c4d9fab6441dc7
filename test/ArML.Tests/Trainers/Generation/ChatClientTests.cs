using ArML.Tests.Support;
using ArML.Trainers.Generation;
using Microsoft.Extensions.AI;
using Xunit;

namespace ArML.Tests.Trainers.Generation;

/// <summary>The Microsoft.Extensions.AI chat client over a text generator.</summary>
[Collection(GenerationCollection.Name)]
public class ChatClientTests(TinyGpt fixture)
{
    private static readonly List<ChatMessage> Conversation =
        [new(ChatRole.System, "be brief"), new(ChatRole.User, "the cat"), new(ChatRole.Assistant, "sees a dog"), new(ChatRole.User, "my fox")];

    [Fact]
    public void TheTranscriptTemplateRendersEveryTurnAndEndsWithTheAssistantsLabel()
    {
        var template = new TranscriptChatTemplate();
        Assert.Equal("System: short answers\nSystem: be brief\nUser: the cat\nAssistant: sees a dog\nUser: my fox\nAssistant: ",
            template.Render(Conversation, new ChatOptions { Instructions = "short answers" }));
        Assert.Equal(["\nUser:"], template.StopSequences);
        var custom = new TranscriptChatTemplate { UserLabel = "Q", AssistantLabel = "A" };
        Assert.Equal("Q: hi\nA: ", custom.Render([new ChatMessage(ChatRole.User, "hi")], null));
        Assert.Throws<NotSupportedException>(() => template.Render([new ChatMessage(ChatRole.User, [new DataContent(new byte[] { 1 }, "image/png")])], null));
    }

    [Fact]
    public async Task AResponseIsTheGeneratorsContinuationOfTheRenderedConversation()
    {
        var generator = Generator();
        using var client = generator.AsChatClient();
        var chat = new ChatOptions { Temperature = 0, MaxOutputTokens = 25, StopSequences = ["zq"] };
        var response = await client.GetResponseAsync(Conversation, chat);

        var template = new TranscriptChatTemplate();
        string prompt = template.Render(Conversation, chat);
        var expected = generator.Generate([prompt], new GenerationOptions { Temperature = 0, MaxNewTokens = 25, StopSequences = ["zq", "\nUser:"] }).Single();
        Assert.Equal(expected.Text, response.Text);
        Assert.Equal(ChatRole.Assistant, response.Messages.Single().Role);
        Assert.Equal(expected.FinishReason == GenerationFinishReason.Length ? ChatFinishReason.Length : ChatFinishReason.Stop, response.FinishReason);
        var promptIds = new List<int>();
        generator.Codec.Encode(prompt, promptIds);
        Assert.Equal(promptIds.Count, response.Usage!.InputTokenCount);
        Assert.Equal(expected.TokenIds.Count, response.Usage.OutputTokenCount);
    }

    [Fact]
    public async Task StreamedUpdatesAddUpToTheResponse()
    {
        using var client = Generator().AsChatClient();
        var chat = new ChatOptions { Temperature = 0.8f, TopK = 5, TopP = 0.9f, Seed = 3, MaxOutputTokens = 30 };
        var response = await client.GetResponseAsync(Conversation, chat);
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(Conversation, chat)) updates.Add(update);
        Assert.Equal(response.Text, string.Concat(updates.Select(u => u.Text)));
        Assert.Single(updates.Select(u => u.ResponseId).Distinct());
        Assert.Equal(response.FinishReason, updates[^1].FinishReason);
        Assert.Contains(updates[^1].Contents, c => c is UsageContent);
        Assert.Equal(response.Text, updates.ToChatResponse().Text);
    }

    [Fact]
    public void ChatOptionsMapOntoGenerationOptions()
    {
        var defaults = new GenerationOptions { MaxNewTokens = 50, RepetitionPenalty = 1.3, StopSequences = ["##"] };
        var mapped = ChatOptionsMapping.ToGenerationOptions(new ChatOptions
        {
            Temperature = 0.5f, TopP = 0.25f, TopK = 7, MaxOutputTokens = 12, Seed = 42, StopSequences = ["!"],
        }, defaults, ["\nUser:"]);
        Assert.Equal(0.5, mapped.Temperature!.Value, 1e-6);
        Assert.Equal(0.25, mapped.TopP!.Value, 1e-6);
        Assert.Equal(7, mapped.TopK);
        Assert.Equal(12, mapped.MaxNewTokens);
        Assert.Equal(42, mapped.Seed);
        Assert.Equal(1.3, mapped.RepetitionPenalty);
        Assert.Equal(["##", "!", "\nUser:"], mapped.StopSequences);

        var unset = ChatOptionsMapping.ToGenerationOptions(null, defaults, []);
        Assert.Equal(50, unset.MaxNewTokens);
        Assert.Null(unset.Temperature);
        Assert.Equal(["##"], defaults.StopSequences);   // the defaults are not modified
    }

    [Fact]
    public async Task OptionsWithoutAnEquivalentFailClearly()
    {
        using var client = Generator().AsChatClient();
        await Assert.ThrowsAsync<NotSupportedException>(() => client.GetResponseAsync(Conversation, new ChatOptions { FrequencyPenalty = 0.5f }));
        await Assert.ThrowsAsync<NotSupportedException>(() => client.GetResponseAsync(Conversation, new ChatOptions { ResponseFormat = ChatResponseFormat.Json }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.GetResponseAsync(Conversation, new ChatOptions { Temperature = -1 }));
    }

    [Fact]
    public void ServicesAreTheMetadataTheClientAndTheGenerator()
    {
        var generator = Generator();
        using var client = generator.AsChatClient();
        var metadata = client.GetService<ChatClientMetadata>();
        Assert.Equal("ArML", metadata!.ProviderName);
        Assert.Equal("GptLanguageModel", metadata.DefaultModelId);
        Assert.Same(client, client.GetService<IChatClient>());
        Assert.Same(generator, client.GetService<TextGenerator>());
        Assert.Null(client.GetService<IChatClient>("some key"));
        Assert.Null(client.GetService<string>());
    }

    private TextGenerator Generator() => fixture.Ml.LanguageModeling().CreateTextGenerator(fixture.Model);
}
