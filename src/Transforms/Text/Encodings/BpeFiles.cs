using System.Text;
using System.Text.Json;

namespace ArML.Transforms.Text.Encodings;

/// <summary>
/// Reads and checks Hugging Face's BPE files (vocab.json, merges.txt) before anything is sized by their content, so
/// that a malformed or hostile file fails with a message naming the file and the entry or line.
/// </summary>
/// <remarks>
/// Ids must number the N entries of vocab.json densely, 0..N−1 (as Hugging Face's trainer and GPT-2-style files do).
/// A vocabulary with holes is rejected rather than stored sparsely: its size becomes the key count of the token
/// column, which sizes every downstream model's embedding and softmax, so one id of 30,000,000 would cost gigabytes
/// there even if the vocabulary itself were sparse. With dense ids every allocation is bounded by the file's length.
/// </remarks>
internal static class BpeFiles
{
    /// <summary>The entries of vocab.json in file order.</summary>
    /// <exception cref="ArgumentException">The file is not a JSON object of distinct tokens to dense ids; the message names the entry.</exception>
    public static List<KeyValuePair<string, int>> ReadVocabulary(byte[] json, string fileName)
    {
        var entries = new List<KeyValuePair<string, int>>();
        var idOfToken = new Dictionary<string, int>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 2 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw Bad(fileName, "is not a JSON object of token → id");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                int entry = entries.Count + 1;
                string token = reader.GetString()!;
                reader.Read();
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int id) || id < 0)
                    throw Bad(fileName, $"entry {entry} ('{token}') has the value {Raw(ref reader)}, which is not an id (an integer 0..2147483647)");
                if (!idOfToken.TryAdd(token, id))
                    throw Bad(fileName, $"entry {entry} repeats the token '{token}' (an earlier entry gave it id {idOfToken[token]})");
                entries.Add(new(token, id));
            }
            if (reader.TokenType != JsonTokenType.EndObject) throw Bad(fileName, "is not a JSON object of token → id");
            if (reader.Read()) throw Bad(fileName, "has content after its JSON object");
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"{fileName} is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message}", e);
        }
        CheckDenseIds(entries, fileName);
        return entries;
    }

    /// <summary>The merges of merges.txt by rank, checked against the vocabulary.</summary>
    /// <exception cref="ArgumentException">A line is malformed, repeats a pair, or names a token (or a merged token) the vocabulary lacks; the message names the line.</exception>
    public static List<string> ReadMerges(byte[] text, string fileName, IReadOnlyDictionary<string, int> vocabulary)
    {
        var merges = new List<string>();
        var lineOfPair = new Dictionary<string, int>(StringComparer.Ordinal);
        using var reader = new StreamReader(new MemoryStream(text), Encoding.UTF8);
        int lineNumber = 0;
        while (reader.ReadLine() is string line)
        {
            lineNumber++;
            if (lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal)) continue;
            if (line.Length == 0) continue;
            int space = line.IndexOf(' ');
            if (space <= 0 || space == line.Length - 1 || line.IndexOf(' ', space + 1) >= 0)
                throw BadLine(fileName, lineNumber, $"is not two tokens separated by one space: '{line}'");
            string left = line[..space], right = line[(space + 1)..];
            foreach (string part in (string[])[left, right, left + right])
                if (!vocabulary.ContainsKey(part))
                    throw BadLine(fileName, lineNumber, $"('{line}') needs the token '{part}', which vocab.json lacks");
            // Microsoft.ML.Tokenizers cannot hold a pair twice, and Hugging Face would silently keep only one rank.
            if (!lineOfPair.TryAdd(line, lineNumber))
                throw BadLine(fileName, lineNumber, $"repeats the merge '{line}' of line {lineOfPair[line]}");
            merges.Add(line);
        }
        return merges;
    }

    /// <summary>Throws unless all 256 byte tokens of GPT-2's alphabet are ordinary (non-special) entries.</summary>
    public static void CheckByteTokens(IReadOnlyDictionary<string, int> vocabulary, IReadOnlyDictionary<string, int> specialTokens, string fileName)
    {
        var missing = new List<int>();
        for (int b = 0; b < 256; b++)
        {
            string token = ByteLevelAlphabet.Characters[b].ToString();
            if (!vocabulary.ContainsKey(token) || specialTokens.ContainsKey(token)) missing.Add(b);
        }
        if (missing.Count == 0) return;
        throw new ArgumentException(
            $"{fileName} lacks {missing.Count} of the 256 byte tokens a byte-level vocabulary needs to encode every text, the first being " +
            $"'{ByteLevelAlphabet.Characters[missing[0]]}' (byte 0x{missing[0]:X2}); text with those bytes would be dropped. " +
            "Load it with byteLevel: false and an unknown token if it is not a byte-level vocabulary.");
    }

    private static void CheckDenseIds(List<KeyValuePair<string, int>> entries, string fileName)
    {
        int count = entries.Count;
        // Checked before the id-indexed table exists, so its size is bounded by the number of entries in the file.
        var tokenOfId = new string?[count];
        for (int entry = 0; entry < count; entry++)
        {
            var (token, id) = entries[entry];
            if (id >= count)
                throw Bad(fileName, $"entry {entry + 1} ('{token}') has id {id}, but the ids of its {count} entries must be 0..{count - 1} without gaps");
            if (tokenOfId[id] is string other)
                throw Bad(fileName, $"entry {entry + 1} gives id {id} to '{token}', which '{other}' already has");
            tokenOfId[id] = token;
        }
    }

    private static string Raw(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
        JsonTokenType.String => $"\"{reader.GetString()}\"",
        JsonTokenType.StartObject or JsonTokenType.StartArray => "a JSON " + (reader.TokenType == JsonTokenType.StartObject ? "object" : "array"),
        _ => reader.TokenType.ToString().ToLowerInvariant(),
    };

    private static ArgumentException Bad(string fileName, string problem) => new($"{fileName} {problem}.");

    private static ArgumentException BadLine(string fileName, int line, string problem) => new($"Line {line} of {fileName} {problem}.");
}
