namespace ArML.Trainers.Generation;

/// <summary>A checked prompt ready to decode.</summary>
/// <param name="Prefix">The ids the row starts from (<see cref="IStepDecodingModel.BeginRow"/>).</param>
/// <param name="Tokens">The prompt's token ids, which penalties and n-gram bans see as part of the row.</param>
/// <param name="Seed">Seed of the prompt's sampling.</param>
internal sealed record PreparedPrompt(IReadOnlyList<int> Prefix, IReadOnlyList<int> Tokens, int Seed);
