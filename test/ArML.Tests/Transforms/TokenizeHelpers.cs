using ArML.Transforms.Text;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Tests.Transforms;

public sealed class TextInput
{
    public string? Text { get; set; }
}

/// <summary>Runs texts through ArML's tokenizer transform and reads the ids back (keys − 1).</summary>
public static class TokenizeHelpers
{
    public static readonly MLContext Ml = new(seed: 0);

    public static IDataView Texts(IEnumerable<string?> texts) => Ml.Data.LoadFromEnumerable(texts.Select(t => new TextInput { Text = t }).ToList());

    public static List<int[]> Tokenize(TokenVocabulary vocabulary, IEnumerable<string?> texts, TokenizeOptions? options = null) =>
        Ids(Ml.Transforms.Text.TokenizeToIds("Tokens", "Text", vocabulary, options).Fit(Texts(texts)).Transform(Texts(texts)));

    public static List<int[]> Ids(IDataView data, string column = "Tokens")
    {
        var col = data.Schema[column];
        var result = new List<int[]>();
        using var cursor = data.GetRowCursor([col]);
        var getter = cursor.GetGetter<VBuffer<uint>>(col);
        VBuffer<uint> value = default;
        while (cursor.MoveNext())
        {
            getter(ref value);
            result.Add(value.DenseValues().Select(k => (int)k - 1).ToArray());
        }
        return result;
    }

    public static List<string> Strings(IDataView data, string column)
    {
        var col = data.Schema[column];
        var result = new List<string>();
        using var cursor = data.GetRowCursor([col]);
        var getter = cursor.GetGetter<ReadOnlyMemory<char>>(col);
        ReadOnlyMemory<char> value = default;
        while (cursor.MoveNext())
        {
            getter(ref value);
            result.Add(value.ToString());
        }
        return result;
    }
}
