using ArML.Tests.Support;

namespace ArML.Tests.Trainers.NGram;

/// <summary>
/// The data views of ../shared/reference/ngram-kenlm.md: nanoGPT's 90/10 character split of tiny Shakespeare, as one
/// sentence per split ("stream") or one sentence per line ("lines", the newline becoming the sentence end).
/// </summary>
public static class TinyShakespeareViews
{
    public static (string Train, string Validation) Split()
    {
        string text = File.ReadAllText(SharedData.PathOrSkip("data/tinyshakespeare.txt"));
        int cut = (int)(text.Length * 0.9);
        return (text[..cut], text[cut..]);
    }

    /// <summary>Rows of a view: the whole split, or its lines (a final line without a newline is a line too, as lmplz reads it).</summary>
    public static TextRow[] Rows(string split, bool stream)
    {
        if (stream) return [new TextRow { Text = split }];
        var lines = split.Split('\n');
        if (split.EndsWith('\n')) lines = lines[..^1];
        return lines.Select(l => new TextRow { Text = l }).ToArray();
    }
}
