namespace ArML.Trainers;

/// <summary>Where one predicted token lies in a row's text, and how surprising the model found it.</summary>
/// <param name="Start">Index of the token's first character in the text.</param>
/// <param name="Length">Number of characters (0 for the end of the row, and for a token whose characters are only complete with the next one).</param>
/// <param name="Surprisal">The token's −log p, in nats.</param>
public readonly record struct TokenSpan(int Start, int Length, double Surprisal);
