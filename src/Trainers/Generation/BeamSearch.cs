using ArML.Text;

namespace ArML.Trainers.Generation;

/// <summary>
/// Deterministic beam search for one prompt: the <see cref="GenerationOptions.BeamCount"/> best partial sequences are
/// extended by every candidate each step; a sequence that ends the row (or completes a stop sequence) becomes a
/// finished hypothesis scored by log-probability / length^<see cref="GenerationOptions.LengthPenalty"/>.
/// </summary>
/// <remarks>
/// Each step considers the 2·beams best extensions: ends and stops among the first beams of them become hypotheses,
/// the others fill the next beams. The search stops when no live beam can still beat the beams-th best hypothesis
/// (log-probabilities only fall, so the bound is exact), or at <see cref="GenerationOptions.MaxNewTokens"/>, where
/// the live beams are finished as they are. Ties are broken by beam and then id, so the result is reproducible.
/// </remarks>
internal static class BeamSearch
{
    private sealed record Beam(List<int> Tokens, List<int> Row, double LogProbability);

    private sealed record Hypothesis(List<int> Tokens, double LogProbability, int Length, GenerationFinishReason Reason, string? Text, int Order)
    {
        public double Score(double lengthPenalty) => LogProbability / Math.Pow(Math.Max(1, Length), lengthPenalty);
    }

    public static IEnumerable<GeneratedSequence> Run(IStepDecodingModel model, PreparedPrompt prompt, int promptIndex, GenerationOptions options,
        ITokenCodec? codec, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        int beams = options.BeamCount;
        var finished = new List<Hypothesis>();
        if (options.MaxNewTokens == 0)
            finished.Add(new Hypothesis([], 0, 0, GenerationFinishReason.Length, codec is null ? null : "", 0));
        else
            Search(model, prompt, options, codec, finished, cancellationToken);
        double alpha = options.LengthPenalty;
        return finished.OrderByDescending(h => h.Score(alpha)).ThenBy(h => h.Order).Take(options.NumberOfSequences)
            .Select((h, i) => new GeneratedSequence(promptIndex, i, h.Tokens.ToArray(), h.Text, h.Reason));
    }

    private static void Search(IStepDecodingModel model, PreparedPrompt prompt, GenerationOptions options, ITokenCodec? codec,
        List<Hypothesis> finished, CancellationToken cancellationToken)
    {
        int beamCount = options.BeamCount, vocabulary = model.LogitCount;
        var stops = options.StopTexts;
        var chooser = new TokenChooser(options, model.TokenCount, model.EndOfRowId, model.UnknownTokenId);
        int candidates = chooser.CandidateCount, endCandidate = candidates - 1;
        var logits = new float[beamCount * vocabulary];
        var logProbabilities = new double[candidates];
        using var decoder = model.CreateDecoder(options.UseCache ? StepDecoderMode.Cached : StepDecoderMode.Recompute);
        decoder.Prefill([prompt.Prefix], logits);
        var beams = new List<Beam> { new([], [.. prompt.Tokens], 0) };
        for (int step = 1; ; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var extensions = new List<(double LogProbability, int Beam, int Candidate)>(beams.Count * candidates);
            for (int b = 0; b < beams.Count; b++)
            {
                chooser.LogProbabilities(logits.AsSpan(b * vocabulary, vocabulary), beams[b].Row, logProbabilities);
                for (int c = 0; c < candidates; c++)
                    if (!double.IsNegativeInfinity(logProbabilities[c])) extensions.Add((beams[b].LogProbability + logProbabilities[c], b, c));
            }
            extensions.Sort((x, y) => x.LogProbability != y.LogProbability ? y.LogProbability.CompareTo(x.LogProbability)
                : x.Beam != y.Beam ? x.Beam.CompareTo(y.Beam) : x.Candidate.CompareTo(y.Candidate));

            var next = new List<Beam>(beamCount);
            var parents = new List<int>(beamCount);
            var ids = new List<int>(beamCount);
            for (int rank = 0; rank < Math.Min(extensions.Count, 2 * beamCount) && next.Count < beamCount; rank++)
            {
                var (logProbability, b, c) = extensions[rank];
                var parent = beams[b];
                if (c == endCandidate)
                {
                    if (rank < beamCount)
                        finished.Add(new(parent.Tokens, logProbability, parent.Tokens.Count + 1, GenerationFinishReason.EndOfRow,
                            codec is null ? null : Cut(codec.Decode(parent.Tokens.ToArray()), stops), finished.Count));
                    continue;
                }
                int id = chooser.IdOf(c);
                var tokens = new List<int>(parent.Tokens) { id };
                if (stops.Count > 0 && codec != null && codec.Decode(tokens.ToArray()) is var text && StopSequenceMatcher.FindEarliest(text, stops) is int at and >= 0)
                {
                    if (rank < beamCount)
                        finished.Add(new(tokens, logProbability, tokens.Count, GenerationFinishReason.StopSequence, text[..at], finished.Count));
                    continue;
                }
                next.Add(new Beam(tokens, new List<int>(parent.Row) { id }, logProbability));
                parents.Add(b);
                ids.Add(id);
            }
            if (next.Count == 0 || Settled(next, finished, options)) return;
            if (step == options.MaxNewTokens)
            {
                foreach (var beam in next)
                    finished.Add(new(beam.Tokens, beam.LogProbability, beam.Tokens.Count, GenerationFinishReason.Length,
                        codec is null ? null : codec.Decode(beam.Tokens.ToArray()), finished.Count));
                return;
            }
            decoder.Select(parents.ToArray());
            cancellationToken.ThrowIfCancellationRequested();
            decoder.Append(ids.ToArray(), logits);
            beams = next;
        }
    }

    // Whether no live beam can still rank among the best BeamCount hypotheses: a beam's log-probability only falls,
    // and its final length lies between its current length and MaxNewTokens + 1.
    private static bool Settled(List<Beam> live, List<Hypothesis> finished, GenerationOptions options)
    {
        if (finished.Count < options.BeamCount) return false;
        double alpha = options.LengthPenalty;
        double worstKept = finished.Select(h => h.Score(alpha)).OrderByDescending(s => s).ElementAt(options.BeamCount - 1);
        double bestPossible = live.Max(beam => beam.LogProbability /
            Math.Pow(alpha > 0 ? options.MaxNewTokens + 1 : Math.Max(1, beam.Tokens.Count), alpha));
        return bestPossible <= worstKept;
    }

    private static string Cut(string text, IReadOnlyList<string> stops) =>
        StopSequenceMatcher.FindEarliest(text, stops) is int at and >= 0 ? text[..at] : text;
}
