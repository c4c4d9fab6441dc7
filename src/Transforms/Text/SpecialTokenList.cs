namespace ArML.Transforms.Text;

/// <summary>Validation of user-given special token lists.</summary>
internal static class SpecialTokenList
{
    /// <summary>The tokens in order; null gives none.</summary>
    /// <exception cref="ArgumentException">A token is null or empty, repeated, or one of <paramref name="reserved"/>.</exception>
    public static IReadOnlyList<string> Validate(IEnumerable<string>? tokens, params string[] reserved)
    {
        var list = tokens?.ToList() ?? [];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string token in list)
        {
            if (string.IsNullOrEmpty(token)) throw new ArgumentException("A special token is null or empty.", nameof(tokens));
            if (reserved.Contains(token, StringComparer.Ordinal))
                throw new ArgumentException($"The special token '{token}' is already part of the vocabulary.", nameof(tokens));
            if (!seen.Add(token)) throw new ArgumentException($"The special token '{token}' is listed twice.", nameof(tokens));
        }
        return list;
    }
}
