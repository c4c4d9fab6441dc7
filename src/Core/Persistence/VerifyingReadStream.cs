using System.IO.Compression;
using System.Security.Cryptography;

namespace ArML.Persistence;

/// <summary>
/// Reads one archive entry for which the manifest promises an exact size and SHA-256. It never hands out more than
/// the promised size and, at the end, reads at most one byte further to prove the entry is not longer, so a zip
/// header that lies about sizes (a "zip bomb") cannot make ArML decompress more than the manifest allows.
/// </summary>
internal sealed class VerifyingReadStream : Stream
{
    private readonly Stream _inner;
    private readonly string _entryName;
    private readonly long _size;
    private readonly string _sha256;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _position;

    private VerifyingReadStream(Stream inner, string entryName, long size, string sha256)
    {
        _inner = inner;
        _entryName = entryName;
        _size = size;
        _sha256 = sha256;
    }

    /// <summary>Opens <paramref name="entry"/>, whose manifest record is <paramref name="expected"/>.</summary>
    internal static VerifyingReadStream Open(ZipArchiveEntry entry, ManifestEntry expected)
    {
        try
        {
            return new VerifyingReadStream(entry.Open(), expected.Name, expected.Size, expected.Sha256);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
        {
            throw new ArmlModelFormatException($"Entry '{expected.Name}' cannot be opened: {e.Message}", e);
        }
    }

    /// <summary>Reads the entry to its end and checks its size and checksum.</summary>
    internal static void Verify(ZipArchiveEntry entry, ManifestEntry expected)
    {
        using var stream = Open(entry, expected);
        stream.VerifyToEnd();
    }

    /// <summary>Reads the whole entry into memory, checked.</summary>
    internal static byte[] ReadAll(ZipArchiveEntry entry, ManifestEntry expected)
    {
        if (expected.Size > Array.MaxLength)
            throw new ArmlModelFormatException($"Entry '{expected.Name}' is {expected.Size} bytes, too large to read into memory as one block.");
        using var stream = Open(entry, expected);
        byte[] data = new byte[expected.Size];
        stream.ReadExactly(data);
        stream.VerifyToEnd();
        return data;
    }

    /// <summary>Consumes what is left of the promised size, proves nothing follows, and compares the checksum.</summary>
    internal void VerifyToEnd()
    {
        byte[] buffer = new byte[81920];
        while (_position < _size)
        {
            if (Read(buffer, 0, buffer.Length) == 0) break;
        }
        if (ReadInner(buffer.AsSpan(0, 1)) != 0)
            throw new ArmlModelFormatException($"Entry '{_entryName}' holds more than the {_size} bytes the manifest records.");
        string actual = Convert.ToHexStringLower(_hash.GetHashAndReset());
        if (!string.Equals(actual, _sha256, StringComparison.OrdinalIgnoreCase))
            throw new ArmlModelFormatException(
                $"Checksum mismatch in entry '{_entryName}': the manifest records SHA-256 {_sha256} but the entry hashes to {actual}. The file was changed or damaged after it was saved.");
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        long remaining = _size - _position;
        if (remaining == 0 || buffer.Length == 0) return 0;
        var slice = buffer[..(int)Math.Min(buffer.Length, remaining)];
        int read = ReadInner(slice);
        if (read == 0)
            throw new ArmlModelFormatException(
                $"Entry '{_entryName}' ends after {_position} bytes, but the manifest records {_size}.");
        _hash.AppendData(slice[..read]);
        _position += read;
        return read;
    }

    private int ReadInner(Span<byte> buffer)
    {
        try
        {
            return _inner.Read(buffer);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
        {
            throw new ArmlModelFormatException($"Entry '{_entryName}' is damaged: {e.Message}", e);
        }
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => _size;
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
            _inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
