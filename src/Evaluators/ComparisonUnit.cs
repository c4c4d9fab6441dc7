namespace ArML.Evaluators;

/// <summary>What <c>Compare</c> divides each model's total negative log-likelihood by.</summary>
/// <remarks>
/// Per-token figures compare only models that split every row into the same number of tokens: with different
/// tokenizers a model with more, smaller tokens gets a lower per-token perplexity for the same text probability.
/// The total NLL of a row, log 1/P(row), is the same quantity whatever the tokenizer, so per-byte and per-row figures
/// compare any two models scored on the same rows.
/// </remarks>
public enum ComparisonUnit
{
    /// <summary>Per-token perplexity, exp(NLL / tokens): needs the same token count on every row.</summary>
    Token,

    /// <summary>Bits per UTF-8 byte of the rows' text, NLL / (bytes · ln 2): needs the text column.</summary>
    Byte,

    /// <summary>Mean negative log-likelihood per row, in nats.</summary>
    Row,
}
