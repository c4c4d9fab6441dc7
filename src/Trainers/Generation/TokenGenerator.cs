using ArML.Text;
using Microsoft.ML;

namespace ArML.Trainers.Generation;

/// <summary>
/// Generation at the level of token ids, for callers that bring their own ids: greedy, sampled or beam-search
/// continuations of prompts under <see cref="GenerationOptions"/>, decoded step by step through
/// <see cref="IStepDecodingModel"/>.
/// </summary>
/// <remarks>
/// Prompts of a call are decoded together as one batch (beam search: one prompt after another, its beams batched).
/// With a fixed <see cref="GenerationOptions.Seed"/> a prompt's sequences do not depend on the other prompts of the
/// call. A prompt longer than the model's context is left-truncated, and generation past the context slides the
/// window (<see cref="ContextWindow"/>). Stop sequences need <see cref="Codec"/>. Thread-safe: calls may overlap
/// (the model serializes its passes). The generator does not own the model.
/// </remarks>
public sealed class TokenGenerator
{
    private readonly MLContext? _context;
    private readonly object _contextGate = new();

    /// <summary>A generator over <paramref name="model"/>; <paramref name="codec"/> (optional) decodes text and finds stop sequences.</summary>
    public TokenGenerator(IStepDecodingModel model, ITokenCodec? codec = null) : this(model, codec, null)
    {
    }

    /// <summary>A generator that draws unset seeds from <paramref name="context"/>'s seeded random source and logs to it.</summary>
    internal TokenGenerator(IStepDecodingModel model, ITokenCodec? codec, MLContext? context)
    {
        ArgumentNullException.ThrowIfNull(model);
        // A language model's own Codec is in the token column's ids; the model decodes in its own (compact) ids.
        if (codec != null && codec.VocabularySize != model.TokenCount)
            throw new ArgumentException(
                $"The codec covers {codec.VocabularySize} token ids but the model has {model.TokenCount}. A LanguageModelTransformer's Codec " +
                "works in the token column's ids; pass languageModel.ModelIdCodec(languageModel.Codec) instead.", nameof(codec));
        Model = model;
        Codec = codec;
        _context = context;
    }

    /// <summary>The model decoded.</summary>
    public IStepDecodingModel Model { get; }

    /// <summary>The codec that turns generated ids into <see cref="GeneratedSequence.Text"/>, or null.</summary>
    public ITokenCodec? Codec { get; }

    /// <summary>Continues one prompt; returns <see cref="GenerationOptions.NumberOfSequences"/> sequences.</summary>
    /// <param name="promptIds">Token ids in the model's ids (see <see cref="GenerationRequest.PromptIds"/>); empty starts from the beginning of a row.</param>
    /// <param name="options">Decoding options; null for the defaults.</param>
    /// <param name="condition">A conditional model's condition ids, or null.</param>
    /// <param name="cancellationToken">Stops generation between steps.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option or id is out of range.</exception>
    /// <exception cref="ArgumentException">Options contradict each other, or stop sequences are given without a codec.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public IReadOnlyList<GeneratedSequence> Generate(IReadOnlyList<int> promptIds, GenerationOptions? options = null,
        IReadOnlyList<int>? condition = null, CancellationToken cancellationToken = default) =>
        GenerateBatch([new GenerationRequest(promptIds, condition)], options, cancellationToken);

    /// <summary>Continues several prompts together; results in prompt order, <see cref="GenerationOptions.NumberOfSequences"/> per prompt.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option or id is out of range; the message names it.</exception>
    /// <exception cref="ArgumentException">Options contradict each other, or stop sequences are given without a codec.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public IReadOnlyList<GeneratedSequence> GenerateBatch(IReadOnlyList<GenerationRequest> requests, GenerationOptions? options = null,
        CancellationToken cancellationToken = default) =>
        Prepare(requests, options).Run(null, cancellationToken);

    /// <summary>Checks options and prompts now; the returned generation runs later (streaming validates before the first step).</summary>
    internal PreparedGeneration Prepare(IReadOnlyList<GenerationRequest> requests, GenerationOptions? options)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var checkedOptions = options?.Clone() ?? new GenerationOptions();
        checkedOptions.Validate();
        if (checkedOptions.StopTexts.Count > 0 && Codec is null)
            throw new ArgumentException("Stop sequences are text: create the TokenGenerator with a codec to use them.", nameof(options));
        var prompts = new PreparedPrompt[requests.Count];
        lock (_contextGate)
        {
            // A host per call: each registration draws the next seeds of the context's seeded series.
            using var host = _context is null ? null : ArmlHost.Create(_context, nameof(TokenGenerator));
            for (int i = 0; i < requests.Count; i++)
            {
                var request = requests[i] ?? throw new ArgumentNullException(nameof(requests), $"Request {i} is null.");
                var promptIds = request.PromptIds ?? throw new ArgumentNullException(nameof(requests), $"Request {i} has no prompt ids.");
                var prefix = Model.BeginRow(promptIds, request.Condition);
                if (prefix.Count > Model.ContextLength)
                    host?.Info($"Generation: prompt {i} begins with {prefix.Count} ids, more than the context ({Model.ContextLength}); the model reads its last {Model.ContextLength}.");
                int seed = request.Seed ?? checkedOptions.Seed ?? host?.NextSeed() ?? Random.Shared.Next();
                prompts[i] = new PreparedPrompt(prefix, promptIds.ToArray(), seed);
            }
        }
        return new PreparedGeneration(this, prompts, checkedOptions);
    }

    /// <summary>A checked generation call.</summary>
    internal sealed class PreparedGeneration(TokenGenerator owner, PreparedPrompt[] prompts, GenerationOptions options)
    {
        public GenerationOptions Options => options;

        /// <summary>Decodes; <paramref name="onText"/> receives (result index, text piece) as text is completed.</summary>
        public IReadOnlyList<GeneratedSequence> Run(Action<int, string>? onText, CancellationToken cancellationToken)
        {
            if (!options.IsBeamSearch)
                return SamplingSearch.Run(owner.Model, prompts, options, owner.Codec, onText, cancellationToken);
            var results = new List<GeneratedSequence>();
            for (int p = 0; p < prompts.Length; p++)
            {
                var sequences = BeamSearch.Run(owner.Model, prompts[p], p, options, owner.Codec, cancellationToken).ToList();
                // Beam search settles its text only at the end: it arrives as one piece.
                foreach (var s in sequences)
                    if (!string.IsNullOrEmpty(s.Text)) onText?.Invoke(results.Count + s.SequenceIndex, s.Text);
                results.AddRange(sequences);
            }
            return results;
        }
    }
}
