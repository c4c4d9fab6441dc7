using System.IO.Compression;
using System.Buffers.Binary;

namespace ArML.Persistence;

/// <summary>
/// Reads a zip file's central directory and local headers itself, before <see cref="System.IO.Compression.ZipArchive"/>
/// inflates anything, to refuse the two shapes of zip bomb that per-entry size checks cannot see: records whose
/// compressed data overlap (many records pointing at one deflate stream multiply the work without growing the file),
/// and a total declared content out of proportion to the file's size.
/// </summary>
/// <remarks>
/// <see cref="System.IO.Compression.ZipArchive"/> does not expose where an entry's data lies, hence this small parser.
/// It reads only the directory and the fixed part of each local header, never the compressed data.
/// </remarks>
internal static class ZipLayout
{
    /// <summary>
    /// Most bytes all entries together may inflate to, per byte of the zip file. ArML stores weights uncompressed
    /// (ratio 1) and deflates JSON, vocabularies and ML.NET's own zips, which shrink 2-20×; 200 leaves a wide margin
    /// for legitimate files while a bomb (deflate reaches about 1000:1 on uniform data) is refused.
    /// </summary>
    internal const int MaxInflationRatio = 200;

    /// <summary>Declared content always allowed on top of the ratio, so tiny files with a few small entries pass.</summary>
    internal const long InflationAllowance = 1 << 20;

    private const uint EndOfDirectorySignature = 0x06054b50;
    private const uint Zip64LocatorSignature = 0x07064b50;
    private const uint Zip64EndSignature = 0x06064b50;
    private const uint CentralHeaderSignature = 0x02014b50;
    private const uint LocalHeaderSignature = 0x04034b50;
    private const int EndOfDirectorySize = 22;
    private const int CentralHeaderSize = 46;
    private const int LocalHeaderSize = 30;

    /// <summary>One entry's name, declared uncompressed size and the bytes of the file its record and data occupy.</summary>
    internal readonly record struct Span(string Name, long Begin, long End, long UncompressedSize, long CompressedSize);

    /// <summary>
    /// Checks <paramref name="stream"/> (seekable; its position is restored) as the zip named <paramref name="what"/>:
    /// well-formed directory, every entry's local header and compressed data inside the file and disjoint from all
    /// others, and total declared content at most <see cref="MaxInflationRatio"/> × file size + <see cref="InflationAllowance"/>.
    /// Every entry's reader is capped at its declared size, so this bound holds while streaming, not only on paper.
    /// </summary>
    /// <returns>The entries as this check read them: give them to <see cref="RequireSameEntries"/> once the zip is opened.</returns>
    /// <exception cref="ArmlModelFormatException">Any of these does not hold; the message names the entries.</exception>
    internal static IReadOnlyList<Span> Check(Stream stream, string what, int maxEntries)
    {
        long start = stream.Position;
        try
        {
            var spans = ReadSpans(stream, what, maxEntries);
            CheckDisjoint(spans, what);
            long length = stream.Length;
            long declared = 0;
            foreach (var span in spans) declared = SaturatingAdd(declared, span.UncompressedSize);
            long allowed = SaturatingAdd(SaturatingMultiply(length, MaxInflationRatio), InflationAllowance);
            if (declared > allowed)
                throw new ArmlModelFormatException(
                    $"{what} declares {declared} bytes of content in a {length}-byte file, more than the {MaxInflationRatio}× " +
                    $"(+{InflationAllowance} bytes) that ArML inflates (a zip bomb, or not a file written by ArML).");
            return spans;
        }
        finally
        {
            stream.Position = start;
        }
    }

    private static List<Span> ReadSpans(Stream stream, string what, int maxEntries)
    {
        long length = stream.Length;
        var (count, directoryOffset, directorySize) = ReadEndOfDirectory(stream, length, what);
        if (count > maxEntries)
            throw Bad(what, $"its directory lists {count} entries, more than the {maxEntries} allowed");
        if (directoryOffset > length || directorySize > length - directoryOffset || directorySize > Array.MaxLength)
            throw Bad(what, "its central directory lies outside the file (it may be truncated)");
        byte[] directory = ReadAt(stream, directoryOffset, (int)directorySize, what, "the central directory");

        var spans = new List<Span>((int)count);
        int pos = 0;
        for (long i = 0; i < count; i++)
        {
            if (pos + CentralHeaderSize > directory.Length || BinaryPrimitives.ReadUInt32LittleEndian(directory.AsSpan(pos)) != CentralHeaderSignature)
                throw Bad(what, $"central directory record {i} is damaged (the file may be truncated)");
            var record = directory.AsSpan(pos);
            long compressed = BinaryPrimitives.ReadUInt32LittleEndian(record[20..]);
            long uncompressed = BinaryPrimitives.ReadUInt32LittleEndian(record[24..]);
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(record[28..]);
            int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(record[30..]);
            int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(record[32..]);
            long localOffset = BinaryPrimitives.ReadUInt32LittleEndian(record[42..]);
            int variable = nameLength + extraLength + commentLength;
            if (pos + CentralHeaderSize + variable > directory.Length)
                throw Bad(what, $"central directory record {i} runs past the directory");
            string name = System.Text.Encoding.UTF8.GetString(record.Slice(CentralHeaderSize, nameLength));
            ReadZip64Extra(record.Slice(CentralHeaderSize + nameLength, extraLength), ref uncompressed, ref compressed, ref localOffset);
            if (uncompressed < 0 || compressed < 0 || localOffset < 0)
                throw Bad(what, $"entry '{Shorten(name)}' declares a size or offset above 2^63");

            long dataStart = LocalDataStart(stream, localOffset, directoryOffset, name, what);
            if (compressed > directoryOffset - dataStart)
                throw Bad(what, $"entry '{Shorten(name)}' declares {compressed} compressed bytes, running past the data area");
            spans.Add(new Span(name, localOffset, dataStart + compressed, uncompressed, compressed));
            pos += CentralHeaderSize + variable;
        }
        return spans;
    }

    private static (long Count, long Offset, long Size) ReadEndOfDirectory(Stream stream, long length, string what)
    {
        // The end record sits in the last 22 bytes plus a comment of up to 65,535 bytes.
        int tail = (int)Math.Min(length, EndOfDirectorySize + ushort.MaxValue);
        byte[] buffer = ReadAt(stream, length - tail, tail, what, "the end of the file");
        for (int i = tail - EndOfDirectorySize; i >= 0; i--)
        {
            var record = buffer.AsSpan(i);
            if (BinaryPrimitives.ReadUInt32LittleEndian(record) != EndOfDirectorySignature) continue;
            int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(record[20..]);
            if (i + EndOfDirectorySize + commentLength != tail) continue;   // a signature inside the comment or data
            long count = BinaryPrimitives.ReadUInt16LittleEndian(record[10..]);
            long size = BinaryPrimitives.ReadUInt32LittleEndian(record[12..]);
            long offset = BinaryPrimitives.ReadUInt32LittleEndian(record[16..]);
            long endPosition = length - tail + i;
            if (count == ushort.MaxValue || size == uint.MaxValue || offset == uint.MaxValue)
                return ReadZip64End(stream, endPosition, what);
            return (count, offset, size);
        }
        throw new ArmlModelFormatException(
            $"{what} is not a readable zip archive: it has no end-of-directory record (it may be truncated, empty or not a model file).");
    }

    private static (long Count, long Offset, long Size) ReadZip64End(Stream stream, long endPosition, string what)
    {
        if (endPosition < 20) throw Bad(what, "its zip64 directory locator is missing");
        byte[] locator = ReadAt(stream, endPosition - 20, 20, what, "the zip64 locator");
        if (BinaryPrimitives.ReadUInt32LittleEndian(locator) != Zip64LocatorSignature)
            throw Bad(what, "its zip64 directory locator is missing");
        long at = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(locator.AsSpan(8)), long.MaxValue);
        if (at > endPosition - 20 - 56) throw Bad(what, "its zip64 end record lies outside the file");
        byte[] record = ReadAt(stream, at, 56, what, "the zip64 end record");
        if (BinaryPrimitives.ReadUInt32LittleEndian(record) != Zip64EndSignature)
            throw Bad(what, "its zip64 end record is damaged");
        long count = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(32)), long.MaxValue);
        long size = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(40)), long.MaxValue);
        long offset = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(48)), long.MaxValue);
        return (count, offset, size);
    }

    // The zip64 extra field (id 1) holds, in this order, only the values whose 32-bit fields are saturated.
    private static void ReadZip64Extra(ReadOnlySpan<byte> extra, ref long uncompressed, ref long compressed, ref long localOffset)
    {
        while (extra.Length >= 4)
        {
            int id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
            int size = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
            if (4 + size > extra.Length) return;
            var field = extra.Slice(4, size);
            if (id == 1)
            {
                int at = 0;
                if (uncompressed == uint.MaxValue && at + 8 <= field.Length) { uncompressed = (long)BinaryPrimitives.ReadUInt64LittleEndian(field[at..]); at += 8; }
                if (compressed == uint.MaxValue && at + 8 <= field.Length) { compressed = (long)BinaryPrimitives.ReadUInt64LittleEndian(field[at..]); at += 8; }
                if (localOffset == uint.MaxValue && at + 8 <= field.Length) localOffset = (long)BinaryPrimitives.ReadUInt64LittleEndian(field[at..]);
                return;
            }
            extra = extra[(4 + size)..];
        }
    }

    private static long LocalDataStart(Stream stream, long localOffset, long directoryOffset, string name, string what)
    {
        if (localOffset > directoryOffset - LocalHeaderSize)
            throw Bad(what, $"entry '{Shorten(name)}' points at offset {localOffset}, outside the data area");
        byte[] header = ReadAt(stream, localOffset, LocalHeaderSize, what, $"the local header of entry '{Shorten(name)}'");
        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != LocalHeaderSignature)
            throw Bad(what, $"entry '{Shorten(name)}' points at offset {localOffset}, where there is no local header");
        int variable = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(26)) + BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(28));
        long dataStart = localOffset + LocalHeaderSize + variable;
        if (dataStart > directoryOffset)
            throw Bad(what, $"the local header of entry '{Shorten(name)}' runs into the central directory");
        return dataStart;
    }

    /// <summary>
    /// Requires that <paramref name="zip"/> (opened on the same bytes; opening reads only its directory) lists exactly the
    /// entries <see cref="Check"/> read, with the same names and sizes. A file can hold two directories (a classic and a
    /// zip64 end record pointing at different ones); .NET and this reader must not be able to choose differently.
    /// </summary>
    /// <exception cref="ArmlModelFormatException">The two readings differ.</exception>
    internal static void RequireSameEntries(IReadOnlyList<Span> spans, ZipArchive zip, string what)
    {
        var entries = zip.Entries;
        if (entries.Count != spans.Count)
            throw Bad(what, $"it holds two different directories ({spans.Count} and {entries.Count} entries), which only forged files do");
        for (int i = 0; i < spans.Count; i++)
            if (entries[i].FullName != spans[i].Name || entries[i].Length != spans[i].UncompressedSize
                || entries[i].CompressedLength != spans[i].CompressedSize)
                throw Bad(what, $"its directory is read two ways (entry {i}: '{Shorten(entries[i].FullName)}' vs '{Shorten(spans[i].Name)}'), which only forged files do");
    }

    private static void CheckDisjoint(List<Span> spans, string what)
    {
        Span? previous = null;
        foreach (var span in spans.OrderBy(s => s.Begin).ThenBy(s => s.End))
        {
            if (previous is Span p && span.Begin < p.End)
                throw new ArmlModelFormatException(
                    $"{what} is malformed: entries '{Shorten(p.Name)}' and '{Shorten(span.Name)}' overlap (bytes {span.Begin}-{Math.Min(p.End, span.End)} " +
                    "belong to both). Overlapping entries are how zip bombs multiply their content; ArML never writes them.");
            previous = span;
        }
    }

    private static byte[] ReadAt(Stream stream, long offset, int count, string what, string part)
    {
        if (offset < 0 || count < 0 || offset > stream.Length - count)
            throw Bad(what, $"{part} lies outside the file (it may be truncated)");
        stream.Position = offset;
        byte[] buffer = new byte[count];
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException e)
        {
            throw new ArmlModelFormatException($"{what} is malformed: the file ends inside {part}.", e);
        }
        return buffer;
    }

    private static long SaturatingAdd(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;

    private static long SaturatingMultiply(long a, long b) => a > long.MaxValue / b ? long.MaxValue : a * b;

    private static ArmlModelFormatException Bad(string what, string problem) => new($"{what} is malformed: {problem}.");

    private static string Shorten(string s) => s.Length <= 120 ? s : s[..120] + "…";
}
