using Microsoft.ML.Tokenizers;

namespace ArML.Transforms.Text;

/// <summary>
/// A Microsoft.ML.Tokenizers tokenizer that ArML did not create (a <see cref="BpeTokenizer"/> built directly): it
/// encodes and decodes, but ArML cannot read back how it was built, so a model holding it cannot be saved.
/// </summary>
internal sealed class ForeignTokenizerVocabulary : TokenVocabulary
{
    private readonly Tokenizer _tokenizer;
    private readonly string[] _tokens;
    private readonly Dictionary<string, int> _specialTokens;

    public ForeignTokenizerVocabulary(Tokenizer tokenizer, IReadOnlyDictionary<string, int> vocabulary, IReadOnlyDictionary<string, int>? specialTokens)
    {
        _tokenizer = tokenizer;
        _specialTokens = specialTokens?.ToDictionary(StringComparer.Ordinal) ?? [];
        int size = 0;
        foreach (int id in vocabulary.Values.Concat(_specialTokens.Values)) size = Math.Max(size, id + 1);
        _tokens = new string[size];
        foreach (var (token, id) in vocabulary.Concat(_specialTokens)) _tokens[id] ??= token;
        for (int id = 0; id < size; id++) _tokens[id] ??= $"<|unused:{id}|>";
        if (tokenizer is BpeTokenizer { UnknownToken: string unknown } && vocabulary.TryGetValue(unknown, out int unknownId)) UnknownId = unknownId;
    }

    public override Tokenizer Tokenizer => _tokenizer;

    public override int VocabularySize => _tokens.Length;

    public override int? UnknownId { get; }

    public override IReadOnlyDictionary<string, int> SpecialTokens => _specialTokens;

    public override string Description => $"{_tokenizer.GetType().Name} created outside ArML";

    public override string GetToken(int id) => _tokens[id];

    public override void Encode(ReadOnlySpan<char> text, List<int> ids)
    {
        if (!text.IsEmpty) ids.AddRange(_tokenizer.EncodeToIds(text));
    }

    public override string Decode(ReadOnlySpan<int> ids) => _tokenizer.Decode(ids.ToArray());

    internal override bool CanSave => false;

    internal override SavedVocabulary Describe(Dictionary<string, byte[]> files) =>
        throw new NotSupportedException(
            $"The {_tokenizer.GetType().Name} given to TokenizeToIds was created outside ArML, which cannot read back how it was " +
            "built, so the model cannot be saved. Create it with BpeVocabulary.FromFiles(vocab.json, merges.txt) or " +
            "TiktokenVocabulary.Get(encodingName) and pass that vocabulary (or its Tokenizer) instead.");
}
