using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace ArML.Training;

/// <summary>
/// A SHA-256 over data as it is appended, for fingerprinting the content of training data: a checkpoint records it,
/// so that resuming on other data of the same size is refused instead of silently mixing two runs.
/// </summary>
internal sealed class ContentHash : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>Appends the bytes of <paramref name="values"/> (their in-memory, little-endian image).</summary>
    public void Append<T>(ReadOnlySpan<T> values) where T : unmanaged => _hash.AppendData(MemoryMarshal.AsBytes(values));

    /// <summary>Appends one number, e.g. a length, so that differently cut data hash differently.</summary>
    public void Append(long value) => Append<long>([value]);

    /// <summary>The lowercase hex SHA-256 of everything appended; call once, after the last append.</summary>
    public string Finish() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    /// <inheritdoc/>
    public void Dispose() => _hash.Dispose();
}
