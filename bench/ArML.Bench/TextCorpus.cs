using ArML.Transforms.Text;
using Microsoft.ML;

namespace ArML.Bench;

/// <summary>
/// A character corpus for benchmarks: tiny Shakespeare when its path is given or found at ../shared/data beside the
/// repository, else text drawn from the embedded Markov source. Held as one row (a stream, as nanoGPT reads it).
/// </summary>
internal sealed class TextCorpus
{
    private sealed class TextRow
    {
        public string Text { get; set; } = "";
    }

    private TextCorpus(string text, string description)
    {
        Text = text;
        Description = description;
        Vocabulary = new CharacterVocabulary(text.EnumerateRunes().Select(r => r.Value));
        var ids = new List<int>();
        Vocabulary.Encode(text, ids);
        Ids = ids.ToArray();
    }

    public string Text { get; }
    public string Description { get; }
    public CharacterVocabulary Vocabulary { get; }
    public int[] Ids { get; }

    /// <summary>Ids the GPT embeds: the characters plus the row separator.</summary>
    public int VocabularySize => Vocabulary.VocabularySize + 1;

    public static string? FindShakespeare(string? path)
    {
        if (path != null) return File.Exists(path) ? path : throw new FileNotFoundException("Corpus not found.", path);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "data", "tinyshakespeare.txt");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    public static TextCorpus Load(string? path, int maxCharacters)
    {
        string? file = FindShakespeare(path);
        if (file != null)
        {
            string text = File.ReadAllText(file);
            return new TextCorpus(text[..Math.Min(text.Length, maxCharacters)], $"{file} (first {Math.Min(text.Length, maxCharacters):N0} characters)");
        }
        var source = ArML.Synthetic.MarkovTextSource.CreateDefault(1);
        string generated = string.Join('\n', source.Sample(maxCharacters / 30, seed: 1));
        return new TextCorpus(generated[..Math.Min(generated.Length, maxCharacters)], "embedded Markov source (tiny Shakespeare not found)");
    }

    /// <summary>The text as one tokenized row, with this corpus's vocabulary.</summary>
    public IDataView TokenColumn(MLContext ml, string? text = null)
    {
        var rows = ml.Data.LoadFromEnumerable(new[] { new TextRow { Text = text ?? Text } });
        return ml.Transforms.Text.TokenizeCharacters("Tokens", "Text").Fit(ml.Data.LoadFromEnumerable(new[] { new TextRow { Text = Text } })).Transform(rows);
    }
}
