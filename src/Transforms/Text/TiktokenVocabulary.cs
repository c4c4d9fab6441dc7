using System.Collections.Concurrent;
using System.IO.Compression;
using System.Reflection;
using System.Text;
using ArML.Transforms.Text.Encodings;
using Microsoft.ML.Tokenizers;

namespace ArML.Transforms.Text;

/// <summary>
/// One of OpenAI's pretrained encodings (gpt2, r50k_base, cl100k_base, o200k_base), read offline from
/// Microsoft.ML.Tokenizers' Data packages and encoded by its <see cref="TiktokenTokenizer"/>, with a pre-tokenizer
/// that splits exactly as tiktoken does on all of Unicode (<see cref="CodePointPreTokenizer"/>).
/// </summary>
/// <remarks>
/// Key values are the tokens' bytes in GPT-2's byte-level alphabet ("Ġthe"), special tokens as themselves, and
/// gaps in the numbering as "&lt;|unused:ID|&gt;". Decoding restores any encoded text exactly. Instances are
/// shared per encoding and thread-safe.
/// </remarks>
public sealed class TiktokenVocabulary : TokenVocabulary
{
    private static readonly ConcurrentDictionary<string, Lazy<TiktokenVocabulary>> Loaded = new(StringComparer.Ordinal);

    private readonly TiktokenTokenizer _tokenizer;
    private readonly ByteTokenTable _table;

    private TiktokenVocabulary(string encodingName, TiktokenTokenizer tokenizer, ByteTokenTable table)
    {
        EncodingName = encodingName;
        _tokenizer = tokenizer;
        _table = table;
        TokenizerVocabularies.Register(tokenizer, this);
    }

    /// <summary>The encodings ArML ships: gpt2, r50k_base (the same ids as gpt2), cl100k_base and o200k_base.</summary>
    public static IReadOnlyList<string> EncodingNames { get; } = ["gpt2", "r50k_base", "cl100k_base", "o200k_base"];

    /// <summary>The encoding's name.</summary>
    public string EncodingName { get; }

    /// <summary>The encoding's tokenizer (ArML's exact pre-tokenizer, no normalizer, the encoding's special tokens).</summary>
    public override Tokenizer Tokenizer => _tokenizer;

    /// <inheritdoc/>
    public override int VocabularySize => _table.Count;

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, int> SpecialTokens => _tokenizer.SpecialTokens ?? new Dictionary<string, int>();

    /// <inheritdoc/>
    public override string Description => $"pretrained encoding {EncodingName}";

    /// <inheritdoc/>
    public override bool IsLossless => true;

    /// <summary>The encoding called <paramref name="encodingName"/>, loaded once per process.</summary>
    /// <exception cref="ArgumentException">The name is not one of <see cref="EncodingNames"/>.</exception>
    public static TiktokenVocabulary Get(string encodingName)
    {
        ArgumentNullException.ThrowIfNull(encodingName);
        if (!EncodingNames.Contains(encodingName, StringComparer.Ordinal))
            throw new ArgumentException($"Unknown pretrained encoding '{encodingName}'. Known encodings: {string.Join(", ", EncodingNames)}.", nameof(encodingName));
        return Loaded.GetOrAdd(encodingName, name => new Lazy<TiktokenVocabulary>(() => Load(name))).Value;
    }

    /// <summary>The bytes of token <paramref name="id"/>; empty for special tokens and unused ids.</summary>
    public ReadOnlySpan<byte> GetBytes(int id) => _table.BytesOf(id);

    /// <inheritdoc/>
    public override string GetToken(int id) => _table.GetToken(id);

    /// <inheritdoc/>
    public override void Encode(ReadOnlySpan<char> text, List<int> ids)
    {
        if (text.IsEmpty) return;
        ids.AddRange(_tokenizer.EncodeToIds(text, considerPreTokenization: true, considerNormalization: false));
    }

    /// <inheritdoc/>
    public override string Decode(ReadOnlySpan<int> ids) => _table.Decode(ids);

    internal override SavedVocabulary Describe(Dictionary<string, byte[]> files) => new(SavedVocabulary.PretrainedKind) { Encoding = EncodingName };

    /// <summary>The special tokens of encoding <paramref name="name"/> (one of <see cref="EncodingNames"/>), without loading it.</summary>
    internal static IReadOnlyDictionary<string, int> SpecialTokensOf(string name) => name switch
    {
        "gpt2" or "r50k_base" => Gpt2Specials,
        "cl100k_base" => Cl100kSpecials,
        _ => O200kSpecials,
    };

    private static TiktokenVocabulary Load(string name)
    {
        var (package, file, preTokenizer, specials) = name switch
        {
            "gpt2" => ("Gpt2", "gpt2", CodePointPreTokenizer.Gpt2, Gpt2Specials),
            "r50k_base" => ("R50kBase", "r50k_base", CodePointPreTokenizer.Gpt2, Gpt2Specials),
            "cl100k_base" => ("Cl100kBase", "cl100k_base", CodePointPreTokenizer.Cl100kBase, Cl100kSpecials),
            _ => ("O200kBase", "o200k_base", CodePointPreTokenizer.O200kBase, O200kSpecials),
        };
        byte[] ranks = ReadRanksFile(package, file);
        var bytesById = ParseRanks(ranks, name);
        var tokenizer = TiktokenTokenizer.Create(new MemoryStream(ranks, writable: false), preTokenizer, normalizer: null, specials);
        return new TiktokenVocabulary(name, tokenizer, new ByteTokenTable(bytesById, specials));
    }

    // The special tokens tiktoken defines for each encoding; they are part of the encodings' fixed numbering.
    private static readonly Dictionary<string, int> Gpt2Specials = new() { ["<|endoftext|>"] = 50256 };

    private static readonly Dictionary<string, int> Cl100kSpecials = new()
    {
        ["<|endoftext|>"] = 100257, ["<|fim_prefix|>"] = 100258, ["<|fim_middle|>"] = 100259,
        ["<|fim_suffix|>"] = 100260, ["<|endofprompt|>"] = 100276,
    };

    private static readonly Dictionary<string, int> O200kSpecials = new() { ["<|endoftext|>"] = 199999, ["<|endofprompt|>"] = 200018 };

    private static byte[] ReadRanksFile(string package, string file)
    {
        string assemblyName = "Microsoft.ML.Tokenizers.Data." + package;
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(new AssemblyName(assemblyName));
        }
        catch (FileNotFoundException e)
        {
            throw new InvalidOperationException($"The pretrained encoding {file} needs the NuGet package {assemblyName}, which is not deployed with this application.", e);
        }
        string resource = file + ".tiktoken.deflate";
        using var compressed = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"{assemblyName} has no resource {resource}.");
        using var inflated = new DeflateStream(compressed, CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        inflated.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>
    /// Token bytes by id from a ranks file: lines of "base64 rank", or of "base64" alone numbered from 0, after an
    /// optional "Capacity: N" line (Microsoft.ML.Tokenizers' compact form).
    /// </summary>
    private static byte[]?[] ParseRanks(byte[] file, string name)
    {
        var byId = new List<byte[]?>();
        using var reader = new StreamReader(new MemoryStream(file), Encoding.UTF8);
        int next = 0;
        while (reader.ReadLine() is string line)
        {
            if (line.Length == 0 || line.StartsWith("Capacity:", StringComparison.Ordinal)) continue;
            int space = line.IndexOf(' ');
            byte[] bytes = Convert.FromBase64String(space < 0 ? line : line[..space]);
            int id = space < 0 ? next : int.Parse(line.AsSpan(space + 1), System.Globalization.CultureInfo.InvariantCulture);
            while (byId.Count <= id) byId.Add(null);
            if (byId[id] != null) throw new InvalidOperationException($"The {name} ranks file gives id {id} twice.");
            byId[id] = bytes;
            next = id + 1;
        }
        return byId.ToArray();
    }
}
