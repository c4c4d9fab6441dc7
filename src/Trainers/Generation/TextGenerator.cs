using System.Runtime.CompilerServices;
using System.Threading.Channels;
using ArML.Text;
using Microsoft.Extensions.AI;

namespace ArML.Trainers.Generation;

/// <summary>
/// Generates text from a trained language model: one prompt, a batch, or a stream of text pieces. Create it with
/// <c>mlContext.LanguageModeling().CreateTextGenerator(model)</c>, which finds the tokenizer and the language model
/// in a fitted (or loaded) pipeline.
/// </summary>
/// <remarks>
/// Prompts are encoded with <see cref="Codec"/> and continued from where they end (an empty prompt starts a row);
/// the result is the continuation only. See <see cref="GenerationOptions"/> for the decoding strategies and
/// <see cref="TokenGenerator"/> for batching, seeds, long prompts and thread-safety. The generator does not own the
/// model: dispose the pipeline as usual.
/// </remarks>
public sealed class TextGenerator
{
    /// <summary>A generator over <paramref name="model"/> whose text goes through <paramref name="codec"/>.</summary>
    public TextGenerator(IStepDecodingModel model, ITokenCodec codec)
        : this(new TokenGenerator(model, codec ?? throw new ArgumentNullException(nameof(codec))), null)
    {
    }

    internal TextGenerator(TokenGenerator tokens, string? conditionColumnName)
    {
        if (tokens.Codec is null) throw new ArgumentException("A text generator needs a codec.", nameof(tokens));
        Tokens = tokens;
        ConditionColumnName = conditionColumnName;
    }

    /// <summary>The token-level generator underneath (same model and codec).</summary>
    public TokenGenerator Tokens { get; }

    /// <summary>Turns text into token ids and back.</summary>
    public ITokenCodec Codec => Tokens.Codec!;

    /// <summary>The condition column the language model was trained with, when it was found in a pipeline.</summary>
    internal string? ConditionColumnName { get; }

    /// <summary>Continues <paramref name="prompt"/>; returns the generated text (beam search: the best beam's).</summary>
    /// <param name="prompt">Text to continue; empty starts from the beginning of a row.</param>
    /// <param name="options">Decoding options (one sequence); null for the defaults.</param>
    /// <param name="condition">A conditional model's condition ids (zero-based), or null.</param>
    /// <param name="cancellationToken">Stops generation between steps.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option or condition id is out of range.</exception>
    /// <exception cref="ArgumentException">Options contradict each other or ask for several sequences (use the batch overload), or the codec cannot encode the prompt.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public string Generate(string prompt, GenerationOptions? options = null, IReadOnlyList<int>? condition = null,
        CancellationToken cancellationToken = default) =>
        Prepare(prompt, options, condition).Run(null, cancellationToken)[0].Text!;

    /// <summary>Continues several prompts together; results in prompt order, <see cref="GenerationOptions.NumberOfSequences"/> per prompt.</summary>
    /// <param name="prompts">Texts to continue.</param>
    /// <param name="options">Decoding options; null for the defaults.</param>
    /// <param name="conditions">Per prompt, a conditional model's condition ids (or null); null for none.</param>
    /// <param name="cancellationToken">Stops generation between steps.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option or condition id is out of range.</exception>
    /// <exception cref="ArgumentException">Options contradict each other, the condition list's length differs, or the codec cannot encode a prompt.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public IReadOnlyList<GeneratedSequence> Generate(IReadOnlyList<string> prompts, GenerationOptions? options = null,
        IReadOnlyList<IReadOnlyList<int>?>? conditions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        if (conditions != null && conditions.Count != prompts.Count)
            throw new ArgumentException($"There are {prompts.Count} prompts but {conditions.Count} conditions.", nameof(conditions));
        var requests = prompts.Select((p, i) => new GenerationRequest(Encode(p, i), conditions?[i])).ToArray();
        return Tokens.GenerateBatch(requests, options, cancellationToken);
    }

    /// <summary>
    /// Continues <paramref name="prompt"/>, yielding text pieces as they are decoded: only complete characters, never
    /// any part of a stop sequence; concatenated, they are what <see cref="Generate(string, GenerationOptions?, IReadOnlyList{int}?, CancellationToken)"/>
    /// returns. Beam search settles its text only at the end, so it arrives as one piece.
    /// </summary>
    /// <remarks>
    /// Options and prompt are checked when this method is called. Decoding runs on a thread-pool thread; cancelling
    /// <paramref name="cancellationToken"/>, or leaving the enumeration early, stops it at the next step, and the
    /// enumeration ends only once decoding has stopped.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">An option or condition id is out of range.</exception>
    /// <exception cref="ArgumentException">Options contradict each other or ask for several sequences.</exception>
    /// <exception cref="OperationCanceledException">While enumerating: the token was cancelled.</exception>
    public IAsyncEnumerable<string> GenerateStreamingAsync(string prompt, GenerationOptions? options = null, IReadOnlyList<int>? condition = null,
        CancellationToken cancellationToken = default) =>
        Stream(Prepare(prompt, options, condition), null, cancellationToken);

    /// <summary>
    /// This generator as a Microsoft.Extensions.AI <see cref="IChatClient"/>: chat messages are rendered into a prompt by
    /// <paramref name="template"/> (default <see cref="TranscriptChatTemplate"/>) and <see cref="ChatOptions"/> map onto
    /// <paramref name="defaults"/> (see <see cref="TextGeneratorChatClient"/>).
    /// </summary>
    public IChatClient AsChatClient(IChatPromptTemplate? template = null, GenerationOptions? defaults = null) =>
        new TextGeneratorChatClient(this, template ?? new TranscriptChatTemplate(), defaults);

    internal TokenGenerator.PreparedGeneration Prepare(string prompt, GenerationOptions? options, IReadOnlyList<int>? condition)
    {
        if (options is { NumberOfSequences: > 1 })
            throw new ArgumentException("This overload returns one text: use Generate(prompts, options) for several sequences.", nameof(options));
        return Tokens.Prepare([new GenerationRequest(Encode(prompt, 0), condition)], options);
    }

    internal List<int> Encode(string prompt, int index)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var ids = new List<int>();
        try
        {
            Codec.Encode(prompt, ids);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Prompt {index} cannot be encoded: {e.Message}", nameof(prompt), e);
        }
        return ids;
    }

    /// <summary>Runs <paramref name="generation"/> (one sequence) on the thread pool and yields its text pieces.</summary>
    internal static async IAsyncEnumerable<string> Stream(TokenGenerator.PreparedGeneration generation, Action<GeneratedSequence>? onCompleted,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pieces = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var producer = Task.Run(() =>
        {
            try
            {
                var result = generation.Run((_, piece) => pieces.Writer.TryWrite(piece), stop.Token);
                onCompleted?.Invoke(result[0]);
            }
            finally
            {
                pieces.Writer.TryComplete();
            }
        });
        try
        {
            while (await pieces.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                while (pieces.Reader.TryRead(out var piece)) yield return piece;
            await producer.ConfigureAwait(false);   // surfaces a failure of the generation itself
        }
        finally
        {
            // The consumer is done (finished, cancelled or left early): stop decoding and wait until it has stopped.
            stop.Cancel();
            await Task.WhenAny(producer).ConfigureAwait(false);
            _ = producer.Exception;   // observed: after an early exit its cancellation is expected
        }
    }
}
