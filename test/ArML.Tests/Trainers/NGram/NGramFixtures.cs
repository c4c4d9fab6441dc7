using ArchiveEdit = ArML.Tests.Core.Persistence.ArchiveEdit;
using ArML.Persistence;
using ArML.Synthetic;
using ArML.Tests.Support;
using ArML.Trainers.NGram;
using ArML.Transforms.Text;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Tests.Trainers.NGram;

/// <summary>Small corpora and a one-call pipeline for the n-gram tests.</summary>
public static class NGramFixtures
{
    /// <summary>The toy corpus of the hand computations: sentences "aab", "ab", "b".</summary>
    public static readonly string[] Toy = ["aab", "ab", "b"];

    public static string[] MarkovRows(int count, int seed) => MarkovTextSource.CreateDefault(seed: 1).Sample(count, seed).ToArray();

    public static IDataView ToDataView(MLContext ml, IEnumerable<string> rows) => ml.Data.LoadFromEnumerable(rows.Select(t => new TextRow { Text = t }));

    public static TransformerChain<NGramTransformer> Train(MLContext ml, IEnumerable<string> rows, NGramTrainer.Options options) =>
        ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Append(ml.LanguageModeling().Trainers.NGram(options)).Fit(ToDataView(ml, rows));

    /// <summary>The model words of a text: one per character, spelled as in ARPA files.</summary>
    public static string[] Words(string text) => text.Select(c => ArpaWords.Spell(c.ToString())).ToArray();

    public static int Id(NGramLanguageModel model, string word)
    {
        for (int i = 0; i < model.VocabularySize; i++)
            if (model.Words[i] == word) return i;
        return NGramLanguageModel.UnknownWordId;
    }

    public static int[] Ids(NGramLanguageModel model, IEnumerable<string> words) => words.Select(w => Id(model, w)).ToArray();

    /// <summary>Every history the corpus shows a model of this order: &lt;s&gt; followed by each sentence prefix, last order − 1 words.</summary>
    public static IEnumerable<string[]> Histories(IEnumerable<string> rows, int order)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string row in rows)
        {
            var history = new List<string> { ReferenceNGramModel.Bos };
            foreach (string w in Words(row).Append(ReferenceNGramModel.Eos))
            {
                var context = history.TakeLast(order - 1).ToArray();
                if (seen.Add(string.Join(' ', context))) yield return context;
                history.Add(w);
            }
        }
    }

    public static double LogLikelihoodOf(IDataView scored) => TinyGpt.Scores(scored).Sum(s => s.LogLikelihood);

    /// <summary>
    /// A saved bigram model over "ab", "ba", "abb" opened for forging: the archive, the name of its trie entry and the
    /// trie's tensors (write them back with <c>edit.ReplaceConsistently(trieEntry, SafeTensorsFormat.ToBytes(...))</c>).
    /// </summary>
    internal static (ArchiveEdit Edit, string TrieEntry, Dictionary<string, TensorData> Tensors) SavedBigramTrie(MLContext ml)
    {
        var chain = Train(ml, ["ab", "ba", "abb"], new NGramTrainer.Options { Order = 2 });
        var schema = chain.First().Transform(ToDataView(ml, ["ab"])).Schema;
        var saved = new MemoryStream();
        ml.Model.SaveArml(chain.LastTransformer, schema, saved);
        var edit = ArchiveEdit.Of(saved.ToArray());
        string trieEntry = edit.Entries.Single(e => e.Key.EndsWith("trie.safetensors", StringComparison.Ordinal)).Key;
        return (edit, trieEntry, SafeTensorsFormat.Read(edit[trieEntry]).Tensors.ToDictionary());
    }
}
