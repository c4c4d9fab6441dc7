using System.Globalization;

namespace ArML.Trainers.NGram;

/// <summary>
/// Writes an <see cref="NGramLanguageModel"/> in the ARPA text format read by KenLM, SRILM and most decoders:
/// a <c>\data\</c> header with the n-gram count of each order, then one section per order of lines
/// "log10 p ⇥ words ⇥ log10 backoff" (the backoff left out when it is 0), then <c>\end\</c>.
/// </summary>
/// <remarks>
/// Probabilities are written as the shortest text that reads back to the same float, so a model written and read
/// back scores bit-for-bit the same. &lt;s&gt;, which is never predicted, gets −99 as in KenLM's files.
/// </remarks>
internal static class ArpaWriter
{
    /// <summary>The log10 probability written for a word that is never predicted.</summary>
    public const float NeverPredicted = -99f;

    /// <summary>Writes <paramref name="model"/> to <paramref name="writer"/>.</summary>
    public static void Write(NGramLanguageModel model, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write("\n\\data\\\n");
        for (int k = 1; k <= model.Order; k++) writer.Write($"ngram {k}={model.NGramCount(k)}\n");
        var path = new int[model.Order];
        for (int k = 1; k <= model.Order; k++)
        {
            writer.Write($"\n\\{k}-grams:\n");
            for (int word = 0; word < model.VocabularySize; word++) Visit(model, writer, path, 1, word, k);
        }
        writer.Write("\n\\end\\\n");
    }

    /// <summary>Writes <paramref name="model"/> to a new file at <paramref name="path"/> (UTF-8, no byte-order mark).</summary>
    public static void Write(NGramLanguageModel model, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var writer = new StreamWriter(path, append: false, new System.Text.UTF8Encoding(false), 1 << 16);
        Write(model, writer);
    }

    // Depth-first from a unigram down to the target order: nodes of each level come out in trie order.
    private static void Visit(NGramLanguageModel model, TextWriter writer, int[] path, int order, int node, int target)
    {
        var level = model.Level(order);
        path[order - 1] = level.Words?[node] ?? node;
        if (order == target)
        {
            WriteLine(model, writer, path.AsSpan(0, order), level.LogProbs[node], level.Backoffs?[node] ?? 0);
            return;
        }
        for (int child = level.Children![node]; child < level.Children[node + 1]; child++) Visit(model, writer, path, order + 1, child, target);
    }

    private static void WriteLine(NGramLanguageModel model, TextWriter writer, ReadOnlySpan<int> words, float log10Prob, float log10Backoff)
    {
        writer.Write(float.IsNegativeInfinity(log10Prob) ? NeverPredicted.ToString(CultureInfo.InvariantCulture) : log10Prob.ToString(CultureInfo.InvariantCulture));
        writer.Write('\t');
        for (int i = 0; i < words.Length; i++)
        {
            if (i > 0) writer.Write(' ');
            writer.Write(model.Words[words[i]]);
        }
        if (log10Backoff != 0)
        {
            writer.Write('\t');
            writer.Write(log10Backoff.ToString(CultureInfo.InvariantCulture));
        }
        writer.Write('\n');
    }
}
