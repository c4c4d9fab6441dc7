namespace ArML.Trainers.Stateful;

/// <summary>What a saved stateful language model's config.json holds (LSTM/GRU and the linear baseline alike).</summary>
/// <typeparam name="TConfig">The network's shape.</typeparam>
/// <param name="Columns">Columns read and written.</param>
/// <param name="Ids">The model's id layout.</param>
/// <param name="Tokens">Key values of the token column, or null.</param>
/// <param name="Model">The network's shape.</param>
/// <param name="ScoringBatchSize">Rows per scoring pass.</param>
internal sealed record StatefulModelFile<TConfig>(LanguageModelColumns Columns, TokenIdLayout Ids, string[]? Tokens, TConfig Model, int ScoringBatchSize);
