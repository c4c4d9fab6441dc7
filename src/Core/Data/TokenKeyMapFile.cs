using ArML.Persistence;

namespace ArML.Data;

/// <summary>
/// How a <see cref="TokenKeyMap"/> is saved with a language model: the entry "token-keys.json" of its component,
/// written from the component layout version that introduced compact vocabularies on. A component without it (saved
/// by an earlier version) reads keys one to one (<see cref="TokenKeyMap.Identity"/>).
/// </summary>
internal static class TokenKeyMapFile
{
    /// <summary>The entry's name.</summary>
    public const string EntryName = "token-keys.json";

    /// <summary>Writes <paramref name="map"/>; an identity map (a model from an earlier version, re-saved) writes nothing.</summary>
    public static void Write(ArmlComponentWriter writer, TokenKeyMap map)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(map);
        if (map.IsIdentity) return;
        writer.WriteJson(EntryName, map.SeparatorColumnId >= 0
            ? new Content(map.ColumnKeyCount, [], map.Policy.ToString(), map.SeparatorColumnId + 1)
            : new Content(map.ColumnKeyCount, map.UsedKeys.ToArray(), map.Policy.ToString()));
    }

    /// <summary>
    /// Reads the map of a component whose model has <paramref name="tokenCount"/> token ids: the saved one, or the
    /// identity over <paramref name="tokenCount"/> keys when the component has none.
    /// </summary>
    /// <exception cref="ArmlModelFormatException">The entry is malformed or does not fit the model.</exception>
    public static TokenKeyMap Read(ArmlComponentReader reader, int tokenCount, bool hasUnknown)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (!reader.Contains(EntryName))
        {
            if (hasUnknown)
                throw new ArmlModelFormatException($"Component {reader.Kind} has an unknown token but no {EntryName}.");
            return TokenKeyMap.Identity(tokenCount);
        }
        var content = reader.ReadJson<Content>(EntryName);
        if (content.SeparatorKey is int separatorKey)
        {
            if (hasUnknown || content.Keys is not { Length: 0 })
                throw new ArmlModelFormatException($"{EntryName} of component {reader.Kind} names a separator key for a model with an unknown token.");
            try
            {
                return TokenKeyMap.WithSeparator(content.ColumnKeyCount, tokenCount, separatorKey - 1);
            }
            catch (ArgumentException e)
            {
                throw new ArmlModelFormatException($"{EntryName} of component {reader.Kind} is inconsistent: {e.Message}", e);
            }
        }
        if (!hasUnknown || content.Keys is null || content.Keys.Length + 1 != tokenCount
            || !Enum.TryParse<UnseenKeyPolicy>(content.UnseenKeys, ignoreCase: false, out var policy) || !Enum.IsDefined(policy))
            throw new ArmlModelFormatException(
                $"{EntryName} of component {reader.Kind} does not fit the model's {tokenCount} token ids (the used keys and the unknown token).");
        try
        {
            return TokenKeyMap.FromKeys(content.ColumnKeyCount, content.Keys, policy);
        }
        catch (ArgumentException e)
        {
            throw new ArmlModelFormatException($"{EntryName} of component {reader.Kind} is inconsistent: {e.Message}", e);
        }
    }

    /// <summary>The entry's JSON.</summary>
    /// <param name="ColumnKeyCount">Key count of the token column.</param>
    /// <param name="Keys">The used keys, ascending: key <c>Keys[i]</c> is token id i; the unknown token follows them.</param>
    /// <param name="UnseenKeys">The <see cref="UnseenKeyPolicy"/> name.</param>
    /// <param name="SeparatorKey">For an imported model (<see cref="TokenKeyMap.WithSeparator"/>): the key read as the separator; Keys is then empty.</param>
    internal sealed record Content(int ColumnKeyCount, int[] Keys, string UnseenKeys, int? SeparatorKey = null);
}
