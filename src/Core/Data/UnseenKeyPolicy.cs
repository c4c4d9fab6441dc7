namespace ArML.Data;

/// <summary>
/// What a language model does with a token key it has no id for: a missing key (0, e.g. a value ML.NET's
/// <c>MapValueToKey</c> never saw) or a key that never occurred in the model's training data.
/// </summary>
public enum UnseenKeyPolicy
{
    /// <summary>Score it as the model's unknown token (default), as KenLM scores out-of-vocabulary words as &lt;unk&gt;.</summary>
    ScoreAsUnknown,

    /// <summary>Throw an <see cref="InvalidDataException"/> naming the column, the row and the key.</summary>
    Throw,
}
