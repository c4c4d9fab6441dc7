namespace ArML.Transforms.Text;

/// <summary>The <see cref="TokenizeOptions"/> of a saved tokenizer (enums by name, so config.json reads plainly).</summary>
/// <param name="BeginOfSequenceToken">See <see cref="TokenizeOptions.BeginOfSequenceToken"/>.</param>
/// <param name="EndOfSequenceToken">See <see cref="TokenizeOptions.EndOfSequenceToken"/>.</param>
/// <param name="MaximumTokenCount">See <see cref="TokenizeOptions.MaximumTokenCount"/>.</param>
/// <param name="Truncation">See <see cref="TokenizeOptions.Truncation"/>.</param>
/// <param name="UnknownTokens">See <see cref="TokenizeOptions.UnknownTokens"/>.</param>
/// <param name="UnpairedSurrogates">See <see cref="TokenizeOptions.UnpairedSurrogates"/>.</param>
/// <param name="MaximumDegreeOfParallelism">See <see cref="TokenizeOptions.MaximumDegreeOfParallelism"/>.</param>
internal sealed record SavedTokenizeOptions(string? BeginOfSequenceToken, string? EndOfSequenceToken, int? MaximumTokenCount,
    string Truncation, string UnknownTokens, string UnpairedSurrogates, int? MaximumDegreeOfParallelism = null)
{
    internal static SavedTokenizeOptions From(TokenizeOptions options) =>
        new(options.BeginOfSequenceToken, options.EndOfSequenceToken, options.MaximumTokenCount,
            options.Truncation.ToString(), options.UnknownTokens.ToString(), options.UnpairedSurrogates.ToString(),
            options.MaximumDegreeOfParallelism);

    internal TokenizeOptions ToOptions() => new()
    {
        BeginOfSequenceToken = BeginOfSequenceToken,
        EndOfSequenceToken = EndOfSequenceToken,
        MaximumTokenCount = MaximumTokenCount,
        Truncation = Parse<TruncationPolicy>(Truncation, nameof(Truncation)),
        UnknownTokens = Parse<UnknownTokenPolicy>(UnknownTokens, nameof(UnknownTokens)),
        UnpairedSurrogates = Parse<UnpairedSurrogatePolicy>(UnpairedSurrogates, nameof(UnpairedSurrogates)),
        MaximumDegreeOfParallelism = MaximumDegreeOfParallelism,
    };

    private static T Parse<T>(string value, string member) where T : struct, Enum =>
        Enum.TryParse<T>(value, ignoreCase: false, out var parsed) && Enum.IsDefined(parsed)
            ? parsed
            : throw new ArML.Persistence.ArmlModelFormatException($"Saved tokenizer option {member} has the unknown value '{value}'.");
}
