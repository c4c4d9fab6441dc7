using System.Buffers.Binary;
using System.IO.Compression;
using ArML.Examples.ImageTokens;
using ArML.Tests.Support;
using Xunit;

namespace ArML.Tests.Examples;

public sealed class ImageTokensTests
{
    [Fact]
    public void ThePngGridHoldsTheImagesPixels()
    {
        string path = Path.Combine(Path.GetTempPath(), $"arml-grid-{Guid.NewGuid():N}.png");
        try
        {
            var images = new List<float[]> { new float[] { 0, 1, 0.5f, 2, 0, 1 }, new float[] { 1, 1, 1, 0, 0, -1 } };
            PngGrid.Write(path, images, height: 2, width: 3, columns: 2, scale: 1);
            byte[] png = File.ReadAllBytes(path);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
            int width = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), height = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20));
            Assert.Equal((2 * (3 + 2) + 2, 2 + 2 + 2), (width, height));
            int idat = png.AsSpan().IndexOf("IDAT"u8.ToArray());
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(idat - 4));
            using var zlib = new ZLibStream(new MemoryStream(png, idat + 4, length), CompressionMode.Decompress);
            var raw = new MemoryStream();
            zlib.CopyTo(raw);
            var rows = raw.ToArray();
            Assert.Equal(height * (width + 1), rows.Length);
            byte Pixel(int y, int x) => rows[y * (width + 1) + 1 + x];
            // Image 0 starts at (2, 2): 0, 1, 0.5 / 2 (clamped), 0, 1; image 1 at (2, 7).
            Assert.Equal(new byte[] { 0, 255, 128 }, new[] { Pixel(2, 2), Pixel(2, 3), Pixel(2, 4) });
            Assert.Equal(new byte[] { 255, 0, 255 }, new[] { Pixel(3, 2), Pixel(3, 3), Pixel(3, 4) });
            Assert.Equal(new byte[] { 0, 0, 0 }, new[] { Pixel(3, 7), Pixel(3, 8), Pixel(3, 9) });
            Assert.Equal(128, Pixel(0, 0));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [SkippableFact]
    public void TheExampleRunsWithTinySizes()
    {
        string folder = SharedData.PathOrSkip("data/binarized_mnist");
        string output = Path.Combine(Path.GetTempPath(), $"arml-image-tokens-{Guid.NewGuid():N}.png");
        try
        {
            var text = new StringWriter();
            var settings = ImageTokensSettings.Parse(["--train", "64", "--test", "16", "--iterations", "3", "--samples", "2", "--pixelcnn-seconds", "30",
                "--pixelcnn-also", "scaled", "--out", output]);
            var report = ImageTokensRun.Run(settings, folder, text);
            Assert.True(File.Exists(output));
            Assert.True(File.Exists(Path.ChangeExtension(output, ".arml")));
            Assert.InRange(report.Metrics.CodePerplexity, 1, 64);
            Assert.True(report.PriorBitsPerCode > 0 && double.IsFinite(report.PriorBitsPerCode));
            Assert.Contains("bits per code", text.ToString());
            Assert.True(report.PixelCnnBitsPerCode > 0 && double.IsFinite(report.PixelCnnBitsPerCode.Value));
            Assert.True(File.Exists(Path.ChangeExtension(output, ".pixelcnn.arml")));
            Assert.Contains("codes read one-hot", text.ToString());
            Assert.Contains("codes read as scaled numbers", text.ToString());   // --pixelcnn-also: the second prior, on the same codes
            Assert.True(File.Exists(Path.ChangeExtension(output, ".scaled.pixelcnn.arml")));
            Assert.Equal(ArML.Trainers.PixelCnn.PixelCnnInputEncoding.Scaled, ImageTokensSettings.Parse(["--pixelcnn-input", "scaled"]).PixelCnnInput);
            Assert.Throws<ArgumentException>(() => ImageTokensSettings.Parse(["--train"]));
        }
        finally
        {
            File.Delete(output);
            File.Delete(Path.ChangeExtension(output, ".arml"));
            File.Delete(Path.ChangeExtension(output, ".pixelcnn.arml"));
            File.Delete(Path.ChangeExtension(output, ".scaled.pixelcnn.arml"));
        }
    }
}
