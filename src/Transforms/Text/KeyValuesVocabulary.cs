using ArML.Text;

namespace ArML.Transforms.Text;

/// <summary>
/// A token column's key values used as a vocabulary (<see cref="KeyValuesCodec"/>): decoding concatenates them.
/// <c>DecodeTokens</c> falls back to it for token columns that ArML's tokenizers did not produce, such as ML.NET's
/// <c>TokenizeIntoCharactersAsKeys</c>.
/// </summary>
internal sealed class KeyValuesVocabulary(KeyValuesCodec codec) : TokenVocabulary
{
    public override int VocabularySize => codec.VocabularySize;

    public override IReadOnlyDictionary<string, int> SpecialTokens { get; } = new Dictionary<string, int>();

    public override string Description => $"key values of {codec.VocabularySize} tokens";

    public IReadOnlyList<string> Tokens => codec.Tokens;

    public override string GetToken(int id) => codec.GetToken(id);

    public override void Encode(ReadOnlySpan<char> text, List<int> ids) => codec.Encode(text, ids);

    public override string Decode(ReadOnlySpan<int> ids) => codec.Decode(ids);

    internal override SavedVocabulary Describe(Dictionary<string, byte[]> files) => new(SavedVocabulary.KeyValuesKind) { Words = [.. codec.Tokens] };
}
