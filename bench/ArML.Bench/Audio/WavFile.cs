using System.Text;

namespace ArML.Bench.Audio;

/// <summary>
/// The smallest WAV support the WaveNet benchmark needs: reads mono 16-bit PCM (what espeak-ng writes) and writes mono
/// 16-bit PCM. Anything else is refused with the file named.
/// </summary>
internal static class WavFile
{
    /// <summary>Reads a mono PCM16 WAV file: its samples scaled to [−1, 1) and its sample rate.</summary>
    /// <exception cref="InvalidDataException">The file is not a mono 16-bit PCM WAV.</exception>
    public static (float[] Samples, int SampleRate) Read(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        if (Tag(reader) != "RIFF") throw Bad(path, "no RIFF header");
        reader.ReadUInt32();
        if (Tag(reader) != "WAVE") throw Bad(path, "not a WAVE file");
        int rate = 0;
        bool format = false;
        while (reader.BaseStream.Position + 8 <= reader.BaseStream.Length)
        {
            string tag = Tag(reader);
            uint size = reader.ReadUInt32();
            if (tag == "fmt ")
            {
                ushort encoding = reader.ReadUInt16(), channels = reader.ReadUInt16();
                rate = reader.ReadInt32();
                reader.ReadUInt32();
                reader.ReadUInt16();
                ushort bits = reader.ReadUInt16();
                if (encoding != 1 || channels != 1 || bits != 16) throw Bad(path, $"format {encoding}, {channels} channels, {bits} bits (expected PCM 1, mono, 16)");
                reader.BaseStream.Seek(size - 16, SeekOrigin.Current);
                format = true;
            }
            else if (tag == "data")
            {
                if (!format) throw Bad(path, "data before the fmt chunk");
                // espeak-ng writing to a pipe leaves the size at its maximum: read to the end then.
                long available = reader.BaseStream.Length - reader.BaseStream.Position;
                long count = Math.Min(size, available) / 2;
                var samples = new float[count];
                for (long i = 0; i < count; i++) samples[i] = reader.ReadInt16() / 32768f;
                return (samples, rate);
            }
            else reader.BaseStream.Seek(size + (size & 1), SeekOrigin.Current);
        }
        throw Bad(path, "no data chunk");
    }

    /// <summary>Writes <paramref name="samples"/> (clipped to [−1, 1]) as a mono PCM16 WAV file.</summary>
    public static void Write(string path, IReadOnlyList<float> samples, int sampleRate)
    {
        using var writer = new BinaryWriter(File.Create(path));
        int bytes = samples.Count * 2;
        writer.Write(Encoding.ASCII.GetBytes("RIFF"));
        writer.Write(36 + bytes);
        writer.Write(Encoding.ASCII.GetBytes("WAVEfmt "));
        writer.Write(16);                    // fmt chunk size
        writer.Write((ushort)1);             // PCM
        writer.Write((ushort)1);             // mono
        writer.Write(sampleRate);
        writer.Write(sampleRate * 2);        // bytes per second
        writer.Write((ushort)2);             // bytes per frame
        writer.Write((ushort)16);            // bits per sample
        writer.Write(Encoding.ASCII.GetBytes("data"));
        writer.Write(bytes);
        foreach (float s in samples) writer.Write((short)Math.Round(Math.Clamp(s, -1f, 1f) * 32767));
    }

    private static string Tag(BinaryReader reader) => Encoding.ASCII.GetString(reader.ReadBytes(4));

    private static InvalidDataException Bad(string path, string why) => new($"{path} is not a mono 16-bit PCM WAV file: {why}.");
}
