using ArML.Text;
using ArML.Training;

namespace ArML.Trainers.Generation;

/// <summary>
/// Greedy and sampled decoding of a batch: every prompt's sequences are rows of one decoder, each step chooses one id
/// per row, and finished rows leave the batch.
/// </summary>
internal static class SamplingSearch
{
    private sealed class Sequence(int prompt, int index, IReadOnlyList<int> tokens, int seed, GeneratedTextStream? text)
    {
        public int Prompt { get; } = prompt;
        public int Index { get; } = index;
        public List<int> Row { get; } = [.. tokens];          // prompt and generated tokens: what penalties look at
        public List<int> Generated { get; } = [];
        // Each sequence draws from its own source, so a prompt's text does not depend on the rest of the batch.
        public TrainingRandom Random { get; } = new(GenerationSeeds.Stream(seed, index));
        public GeneratedTextStream? Text { get; } = text;
        public GenerationFinishReason? Finish { get; set; }
    }

    /// <summary>
    /// Decodes <paramref name="prompts"/>; results in prompt order, <see cref="GenerationOptions.NumberOfSequences"/>
    /// per prompt. <paramref name="onText"/> receives (result index, text piece) as text is completed.
    /// </summary>
    public static GeneratedSequence[] Run(IStepDecodingModel model, IReadOnlyList<PreparedPrompt> prompts, GenerationOptions options,
        ITokenCodec? codec, Action<int, string>? onText, CancellationToken cancellationToken)
    {
        int perPrompt = options.NumberOfSequences;
        var stops = options.StopTexts;
        var sequences = new Sequence[prompts.Count * perPrompt];
        for (int p = 0; p < prompts.Count; p++)
            for (int j = 0; j < perPrompt; j++)
                sequences[p * perPrompt + j] = new Sequence(p, j, prompts[p].Tokens, prompts[p].Seed,
                    codec is null ? null : new GeneratedTextStream(codec, stops));

        cancellationToken.ThrowIfCancellationRequested();
        if (options.MaxNewTokens > 0) Decode(model, prompts, options, sequences, onText, cancellationToken);
        else foreach (var s in sequences) Finish(s, GenerationFinishReason.Length, sequences, perPrompt, onText);

        return sequences.Select(s => new GeneratedSequence(s.Prompt, s.Index, s.Generated.ToArray(), s.Text?.Text, s.Finish!.Value)).ToArray();
    }

    private static void Decode(IStepDecodingModel model, IReadOnlyList<PreparedPrompt> prompts, GenerationOptions options, Sequence[] sequences,
        Action<int, string>? onText, CancellationToken cancellationToken)
    {
        int perPrompt = options.NumberOfSequences, vocabulary = model.LogitCount;
        var chooser = new TokenChooser(options, model.TokenCount, model.EndOfRowId, model.UnknownTokenId);
        var logits = new float[sequences.Length * vocabulary];
        using var decoder = model.CreateDecoder(options.UseCache ? StepDecoderMode.Cached : StepDecoderMode.Recompute);
        decoder.Prefill(prompts.Select(p => p.Prefix).ToArray(), logits);
        if (perPrompt > 1)
        {
            // Each prompt is read once; its sequences start as copies of its row.
            var copies = Enumerable.Range(0, sequences.Length).Select(i => i / perPrompt).ToArray();
            decoder.Select(copies);
            for (int i = sequences.Length - 1; i >= 0; i--)
                Array.Copy(logits, copies[i] * vocabulary, logits, i * vocabulary, vocabulary);
        }
        var active = Enumerable.Range(0, sequences.Length).ToList();    // decoder row → sequence
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var next = new int[active.Count];
            var kept = new List<int>(active.Count);
            for (int row = 0; row < active.Count; row++)
            {
                var s = sequences[active[row]];
                int id = chooser.Choose(logits.AsSpan(row * vocabulary, vocabulary), s.Row, s.Random);
                next[row] = id;
                if (Extend(s, id, options, sequences, perPrompt, model.EndOfRowId, onText)) kept.Add(row);
            }
            if (kept.Count == 0) return;
            if (kept.Count < active.Count)
            {
                decoder.Select(kept.ToArray());
                next = kept.Select(row => next[row]).ToArray();
                active = kept.Select(row => active[row]).ToList();
            }
            cancellationToken.ThrowIfCancellationRequested();
            decoder.Append(next, logits);
        }
    }

    // Adds the chosen id to the sequence; returns whether it goes on.
    private static bool Extend(Sequence s, int id, GenerationOptions options, Sequence[] all, int perPrompt, int endOfRow, Action<int, string>? onText)
    {
        if (id == endOfRow)
        {
            Finish(s, GenerationFinishReason.EndOfRow, all, perPrompt, onText);
            return false;
        }
        s.Generated.Add(id);
        s.Row.Add(id);
        bool stopped = false;
        if (s.Text != null) Send(onText, s, perPrompt, s.Text.Push(id, out stopped));
        if (stopped) s.Finish = GenerationFinishReason.StopSequence;
        else if (s.Generated.Count == options.MaxNewTokens) Finish(s, GenerationFinishReason.Length, all, perPrompt, onText);
        return s.Finish is null;
    }

    private static void Finish(Sequence s, GenerationFinishReason reason, Sequence[] all, int perPrompt, Action<int, string>? onText)
    {
        s.Finish = reason;
        if (s.Text != null) Send(onText, s, perPrompt, s.Text.Flush());
    }

    private static void Send(Action<int, string>? onText, Sequence s, int perPrompt, string piece)
    {
        if (piece.Length > 0) onText?.Invoke(s.Prompt * perPrompt + s.Index, piece);
    }
}
