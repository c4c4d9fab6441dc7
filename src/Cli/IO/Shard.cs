namespace ArML.Cli.IO;

/// <summary>
/// Shard <see cref="Index"/> of <see cref="Count"/>: the contiguous block of rows [N·i/n, N·(i+1)/n) of an N-row input, so
/// the parts written by shards 0…n−1, concatenated in that order, are exactly the unsharded output.
/// </summary>
internal readonly record struct Shard(int Index, int Count)
{
    public static Shard Whole => new(0, 1);

    public bool IsWhole => Count == 1;

    /// <summary>Parses "i/n" (i counted from 0).</summary>
    /// <exception cref="CliException">The text is not i/n with 0 ≤ i &lt; n.</exception>
    public static Shard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], out int index) || !int.TryParse(parts[1], out int count))
            throw new CliException($"--shard '{text}' is not of the form i/n (e.g. 0/4: the first of four shards).", ExitCodes.Usage);
        if (count < 1) throw new CliException($"--shard '{text}': the number of shards must be at least 1.", ExitCodes.Usage);
        if (index < 0 || index >= count)
            throw new CliException($"--shard '{text}': the shard index must be in 0..{count - 1} (shards are counted from 0).", ExitCodes.Usage);
        return new Shard(index, count);
    }

    /// <summary>The first row and the number of rows of this shard in an input of <paramref name="rowCount"/> rows.</summary>
    public (long Start, long Count) RangeOf(long rowCount)
    {
        long start = (long)((Int128)rowCount * Index / Count);
        long end = (long)((Int128)rowCount * (Index + 1) / Count);
        return (start, end - start);
    }

    /// <summary>The path of this shard's part: "{shard}" in the path becomes the zero-padded index, else ".part-i-of-n" goes before the extension.</summary>
    public string PartPath(string path)
    {
        if (path == "-") return path;   // stdout stays stdout: the batch engine collects each task's output
        string index = Index.ToString("D5", System.Globalization.CultureInfo.InvariantCulture);
        if (path.Contains("{shard}", StringComparison.Ordinal)) return path.Replace("{shard}", index, StringComparison.Ordinal);
        if (IsWhole) return path;
        string extension = System.IO.Path.GetExtension(path);
        return path[..^extension.Length] + $".part-{index}-of-{Count:D5}" + extension;
    }
}
