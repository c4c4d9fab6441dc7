namespace ArML.Text;

/// <summary>Turns text into zero-based token ids and back.</summary>
public interface ITokenCodec
{
    /// <summary>Number of distinct ids; ids are in [0, VocabularySize).</summary>
    int VocabularySize { get; }

    /// <summary>The display string of <paramref name="id"/> (the key value ML.NET shows for it).</summary>
    string GetToken(int id);

    /// <summary>Appends the ids of <paramref name="text"/> to <paramref name="ids"/>.</summary>
    void Encode(ReadOnlySpan<char> text, List<int> ids);

    /// <summary>The text of <paramref name="ids"/>.</summary>
    string Decode(ReadOnlySpan<int> ids);
}
