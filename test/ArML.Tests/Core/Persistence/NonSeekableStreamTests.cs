using Xunit;
using ArML.Persistence;
using Microsoft.ML;
using static ArML.Tests.Core.Persistence.PersistenceFixtures;

namespace ArML.Tests.Core.Persistence;

public class NonSeekableStreamTests
{
    /// <summary>A forward-only view of a stream, like a network or pipe stream.</summary>
    private sealed class ForwardOnlyStream(Stream inner) : Stream
    {
        public override bool CanRead => inner.CanRead;
        public override bool CanSeek => false;
        public override bool CanWrite => inner.CanWrite;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    }

    [Fact]
    public void SavesToAndLoadsFromForwardOnlyStreams()
    {
        var ml = new MLContext(seed: 1);
        var data = SampleData(ml);
        var model = TextChain(ml, data);

        var sink = new MemoryStream();
        ml.Model.SaveArml(model, data.Schema, new ForwardOnlyStream(sink));
        Assert.True(sink.Length > 0);

        var loaded = ml.Model.LoadArml(new ForwardOnlyStream(new MemoryStream(sink.ToArray())), out var schema);
        AssertSameSchema(data.Schema, schema);
        AssertSameRows(Run(ml, model, data), Run(ml, loaded, data));
    }
}
