namespace ArML.Trainers.Generation;

/// <summary>
/// How text is decoded from a language model: length, sampling (temperature, top-k, top-p, min-p), penalties, stop
/// sequences, seed, number of sequences, and beam search. Null means "off" (or the stated default).
/// </summary>
/// <remarks>
/// Each step turns the model's next-id logits into a choice in this order: repetition penalty, no-repeat n-gram
/// bans, then either the arg-max (<see cref="Temperature"/> 0), or temperature, top-k, top-p and min-p filtering
/// followed by a draw from what remains. Only tokens and the end of the row are ever chosen. Beam search
/// (<see cref="BeamCount"/> &gt; 1) is deterministic: it ranks continuations by their log-probability after the
/// penalties and leaves sampling options unset. Options are checked when generation starts; invalid values throw
/// <see cref="ArgumentOutOfRangeException"/> or <see cref="ArgumentException"/> naming the option.
/// </remarks>
public sealed class GenerationOptions
{
    /// <summary>Most tokens generated per sequence (the end of the row not counted). Default 200; 0 generates nothing.</summary>
    public int MaxNewTokens { get; set; } = 200;

    /// <summary>Softmax temperature, ≥ 0: 0 is greedy (always the most likely id); null means 1.</summary>
    public double? Temperature { get; set; }

    /// <summary>Sample only among the <c>TopK</c> most likely ids (≥ 1); null: no limit. Top-k 1 picks what greedy decoding picks.</summary>
    public int? TopK { get; set; }

    /// <summary>
    /// Nucleus sampling, in (0, 1]: sample only among the fewest most likely ids whose probabilities add up to at least
    /// <c>TopP</c>; null: no limit.
    /// </summary>
    public double? TopP { get; set; }

    /// <summary>In [0, 1]: drop ids less likely than <c>MinP</c> times the most likely one; null: off.</summary>
    public double? MinP { get; set; }

    /// <summary>
    /// &gt; 0: every token already in the row (prompt and generated) has its logit divided by the penalty when positive,
    /// multiplied when negative (values above 1 discourage repeats); null: off. The end of the row is never penalized.
    /// </summary>
    public double? RepetitionPenalty { get; set; }

    /// <summary>
    /// ≥ 1: never generate a token that would repeat an n-gram of this size already in the row (prompt and generated
    /// tokens); null: off. Ending the row is always allowed.
    /// </summary>
    public int? NoRepeatNGramSize { get; set; }

    /// <summary>
    /// Texts that end a sequence when it generates them, matched in the decoded text (across token boundaries) and not
    /// included in the output; null or empty: none. Needs a codec (text generation always has one).
    /// </summary>
    public IList<string>? StopSequences { get; set; }

    /// <summary>
    /// Seed of the sampling random source; the same seed, prompt and options give the same text. Null: drawn from the
    /// MLContext's seeded random source (repeatable for a seeded context) or, without one, at random.
    /// </summary>
    public int? Seed { get; set; }

    /// <summary>Sequences returned per prompt, ≥ 1 (default 1): independent samples, or the best beams.</summary>
    public int NumberOfSequences { get; set; } = 1;

    /// <summary>Beams of beam search, ≥ 1 (default 1: no beam search). At least <see cref="NumberOfSequences"/>.</summary>
    public int BeamCount { get; set; } = 1;

    /// <summary>
    /// Beam search ranks finished sequences by log-probability / length^LengthPenalty, the length counting generated
    /// tokens and the end of the row; default 1 (mean log-probability per token). Above 1 favours longer sequences, 0
    /// compares total log-probabilities.
    /// </summary>
    public double LengthPenalty { get; set; } = 1.0;

    /// <summary>Decode with the model's cache (default true); false recomputes every step from the whole window (slow: a check and a benchmark baseline).</summary>
    public bool UseCache { get; set; } = true;

    /// <summary>A copy whose stop sequences are a separate list.</summary>
    public GenerationOptions Clone()
    {
        var copy = (GenerationOptions)MemberwiseClone();
        copy.StopSequences = StopSequences?.ToList();
        return copy;
    }

    internal bool IsBeamSearch => BeamCount > 1;

    internal bool IsGreedy => Temperature == 0;

    internal IReadOnlyList<string> StopTexts => StopSequences is { Count: > 0 } stops ? stops.ToArray() : [];

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is outside its range; the message names it.</exception>
    /// <exception cref="ArgumentException">Options contradict each other.</exception>
    public void Validate()
    {
        if (MaxNewTokens < 0) throw Range(nameof(MaxNewTokens), MaxNewTokens, "must be ≥ 0");
        if (Temperature is double t && (double.IsNaN(t) || t < 0 || double.IsInfinity(t)))
            throw Range(nameof(Temperature), t, "must be a finite number ≥ 0 (0 is greedy)");
        if (TopK is int k && k < 1) throw Range(nameof(TopK), k, "must be ≥ 1");
        if (TopP is double p && !(p > 0 && p <= 1)) throw Range(nameof(TopP), p, "must be in (0, 1]");
        if (MinP is double m && !(m >= 0 && m <= 1)) throw Range(nameof(MinP), m, "must be in [0, 1]");
        if (RepetitionPenalty is double r && !(r > 0 && double.IsFinite(r))) throw Range(nameof(RepetitionPenalty), r, "must be a finite number > 0");
        if (NoRepeatNGramSize is int n && n < 1) throw Range(nameof(NoRepeatNGramSize), n, "must be ≥ 1");
        if (NumberOfSequences < 1) throw Range(nameof(NumberOfSequences), NumberOfSequences, "must be ≥ 1");
        if (BeamCount < 1) throw Range(nameof(BeamCount), BeamCount, "must be ≥ 1");
        if (!double.IsFinite(LengthPenalty)) throw Range(nameof(LengthPenalty), LengthPenalty, "must be finite");
        if (StopSequences != null)
            foreach (var stop in StopSequences)
                if (string.IsNullOrEmpty(stop)) throw new ArgumentException("GenerationOptions.StopSequences holds a null or empty text.", nameof(StopSequences));
        if (IsBeamSearch)
        {
            if (Temperature is > 0 || TopK != null || TopP != null || MinP != null)
                throw new ArgumentException(
                    "Beam search (BeamCount > 1) is deterministic: leave Temperature (or set it to 0), TopK, TopP and MinP unset.", nameof(BeamCount));
            if (NumberOfSequences > BeamCount)
                throw new ArgumentException($"NumberOfSequences ({NumberOfSequences}) cannot exceed BeamCount ({BeamCount}): beam search returns its best beams.", nameof(NumberOfSequences));
        }
        else if (IsGreedy && NumberOfSequences > 1)
            throw new ArgumentException(
                $"NumberOfSequences is {NumberOfSequences}, but greedy decoding (Temperature 0) gives one sequence: sample (Temperature > 0) or use beam search.",
                nameof(NumberOfSequences));
    }

    private static ArgumentOutOfRangeException Range(string option, object value, string rule) =>
        new(option, value, $"GenerationOptions.{option} {rule}, but is {value}.");
}
