using ArML.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using ArML.Schema;
using ArML.Text;
using ArML.Trainers.NGram;
using ArML.Trainers.Generation;

namespace ArML;

/// <summary>Adds the n-gram trainer to <c>mlContext.LanguageModeling().Trainers</c> and ARPA loading to <c>mlContext.LanguageModeling()</c>.</summary>
public static class NGramCatalogExtensions
{
    /// <summary>A backoff n-gram language model (interpolated modified Kneser-Ney by default) trained on a token-key column.</summary>
    /// <param name="catalog">The language modeling trainers catalog.</param>
    /// <param name="options">Order, smoothing, pruning and column options.</param>
    public static NGramTrainer NGram(this LanguageModelingCatalog.TrainerCatalog catalog, NGramTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new NGramTrainer(catalog.Context, options);
    }

    /// <summary>A modified Kneser-Ney n-gram language model of <paramref name="order"/> on <paramref name="tokenColumnName"/>.</summary>
    /// <param name="catalog">The language modeling trainers catalog.</param>
    /// <param name="tokenColumnName">Token column: a vector of keys.</param>
    /// <param name="order">Longest n-gram.</param>
    public static NGramTrainer NGram(this LanguageModelingCatalog.TrainerCatalog catalog, string tokenColumnName = DefaultColumnNames.Tokens, int order = NGramTrainer.Options.DefaultOrder) =>
        catalog.NGram(new NGramTrainer.Options { TokenColumnName = tokenColumnName, Order = order });

    /// <summary>
    /// Loads an ARPA language model (from KenLM, SRILM, ArML's <c>ExportArpa</c>, ...) as a scorer of
    /// <paramref name="tokenColumn"/>, whose keys are matched to the model's words by their spelling
    /// (<see cref="ArpaWords"/>: ' ' is &lt;sp&gt;, '\n' is &lt;nl&gt;, ...). Keys the model lacks score as &lt;unk&gt;.
    /// </summary>
    /// <param name="catalog">The language modeling catalog.</param>
    /// <param name="arpaPath">The ARPA file.</param>
    /// <param name="tokenColumn">The token column to score, as in the schema the transformer will see (its key count and key values).</param>
    /// <param name="scoringBatchSize">Rows scored together.</param>
    /// <exception cref="InvalidDataException">The file is not a well-formed ARPA model.</exception>
    public static NGramTransformer LoadArpa(this LanguageModelingCatalog catalog, string arpaPath, DataViewSchema.Column tokenColumn, int scoringBatchSize = 64)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (tokenColumn.Type is not VectorDataViewType { ItemType: KeyDataViewType key })
            throw new ArgumentOutOfRangeException(nameof(tokenColumn), $"Column '{tokenColumn.Name}' must be a vector of keys (token ids), but is {tokenColumn.Type}.");
        var vocabulary = KeyValuesCodec.FromColumn(tokenColumn)?.Tokens;
        return new NGramTransformer(tokenColumn.Name, checked((int)key.Count), vocabulary, ArpaReader.Read(arpaPath), scoringBatchSize,
            TokenCodecAnnotation.CodecOf(tokenColumn), shortcutSeeds: GenerationSeedSource.Draw(catalog.Context));
    }

    /// <summary>
    /// Loads an ARPA language model as a scorer of the column <paramref name="tokenColumnName"/> whose key values
    /// are <paramref name="vocabulary"/> (key k has value vocabulary[k − 1], as a tokenizer's vocabulary lists them).
    /// </summary>
    /// <param name="catalog">The language modeling catalog.</param>
    /// <param name="arpaPath">The ARPA file.</param>
    /// <param name="tokenColumnName">Token column to score.</param>
    /// <param name="vocabulary">That column's key values, in key order.</param>
    /// <param name="scoringBatchSize">Rows scored together.</param>
    /// <exception cref="InvalidDataException">The file is not a well-formed ARPA model.</exception>
    public static NGramTransformer LoadArpa(this LanguageModelingCatalog catalog, string arpaPath, string tokenColumnName, IReadOnlyList<string> vocabulary,
        int scoringBatchSize = 64)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrEmpty(tokenColumnName);
        ArgumentNullException.ThrowIfNull(vocabulary);
        return new NGramTransformer(tokenColumnName, vocabulary.Count, vocabulary, ArpaReader.Read(arpaPath), scoringBatchSize,
            shortcutSeeds: GenerationSeedSource.Draw(catalog.Context));
    }
}
