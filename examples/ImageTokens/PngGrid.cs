using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace ArML.Examples.ImageTokens;

/// <summary>
/// Writes grey images as one PNG grid. PNG is small enough to write directly (signature, IHDR, zlib-compressed
/// scanlines in IDAT, IEND, each chunk with a CRC-32), which spares the example an imaging package.
/// </summary>
public static class PngGrid
{
    private static readonly uint[] CrcTable = Enumerable.Range(0, 256).Select(n =>
    {
        uint c = (uint)n;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    /// <summary>
    /// Writes <paramref name="images"/> (values in [0, 1], clamped; each <paramref name="height"/> × <paramref name="width"/>,
    /// row-major) to <paramref name="path"/>, <paramref name="columns"/> per row of the grid, a 2-pixel border between them.
    /// </summary>
    public static void Write(string path, IReadOnlyList<float[]> images, int height, int width, int columns, int scale = 2)
    {
        const int border = 2;
        int rows = (images.Count + columns - 1) / columns;
        int cellW = width * scale + border, cellH = height * scale + border;
        int totalW = columns * cellW + border, totalH = rows * cellH + border;
        var pixels = new byte[totalH * totalW];
        Array.Fill(pixels, (byte)128);
        for (int n = 0; n < images.Count; n++)
        {
            int top = border + n / columns * cellH, left = border + n % columns * cellW;
            for (int y = 0; y < height * scale; y++)
                for (int x = 0; x < width * scale; x++)
                    pixels[(top + y) * totalW + left + x] = (byte)Math.Round(255 * Math.Clamp(images[n][y / scale * width + x / scale], 0f, 1f));
        }

        using var file = File.Create(path);
        file.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, totalW);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), totalH);
        header[8] = 8;   // bits per sample; colour type 0 (grey), deflate, adaptive filtering, no interlace
        Chunk(file, "IHDR", header);
        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
                for (int y = 0; y < totalH; y++)
                {
                    zlib.WriteByte(0);   // filter type None for every scanline
                    zlib.Write(pixels, y * totalW, totalW);
                }
            Chunk(file, "IDAT", compressed.ToArray());
        }
        Chunk(file, "IEND", []);
    }

    private static void Chunk(Stream stream, string type, byte[] data)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        stream.Write(length);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        stream.Write(typeBytes);
        stream.Write(data);
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in typeBytes.Concat(data)) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        var crcBytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crcBytes, crc ^ 0xFFFFFFFFu);
        stream.Write(crcBytes);
    }
}
