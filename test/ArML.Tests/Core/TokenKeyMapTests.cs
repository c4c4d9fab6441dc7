using ArML.Data;
using ArML.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace ArML.Tests.Core;

/// <summary>The compact vocabulary shared by every language-model family, and reading keys with their real values.</summary>
public class TokenKeyMapTests
{
    [Fact]
    public void TheLearnedMapNumbersUsedKeysInKeyOrderWhateverTheRowOrder()
    {
        int[][] rows = [[9, 2, 9], [4, -1], [2, 0]];
        TokenKeyMap Learn(IEnumerable<int[]> order)
        {
            var builder = new TokenKeyMapBuilder(10, UnseenKeyPolicy.ScoreAsUnknown);
            foreach (var row in order) builder.ToProvisional(row.ToArray(), "Tokens", 0);
            return builder.Build().Map;
        }
        var map = Learn(rows);
        Assert.Equal(Learn(rows.Reverse()).UsedKeys, map.UsedKeys);
        Assert.Equal([1, 3, 5, 10], map.UsedKeys);   // column ids 0, 2, 4, 9 are keys 1, 3, 5, 10
        Assert.Equal(5, map.TokenCount);
        Assert.Equal(4, map.UnknownId);
        Assert.Equal(3, map.ToModelId(9));
        Assert.Equal(-1, map.ToModelId(5));
        Assert.Equal(9, map.ToColumnId(3));
        Assert.Equal(-1, map.ToColumnId(map.UnknownId));
    }

    [Fact]
    public void ProvisionalIdsBecomeTheMapsIds()
    {
        var builder = new TokenKeyMapBuilder(10, UnseenKeyPolicy.ScoreAsUnknown);
        int[] row = [9, 2, -1, 9, 0];
        var provisional = row.ToArray();
        builder.ToProvisional(provisional, "Tokens", 0);
        var (map, finalIds) = builder.Build();
        var expected = row.Select(c => c < 0 ? map.UnknownId : map.ToModelId(c)).ToArray();
        Assert.Equal(expected, provisional.Select(p => finalIds[p]).ToArray());
    }

    [Fact]
    public void AHugeKeyCountAllocatesOnlyForTheUsedKeys()
    {
        const int keyCount = int.MaxValue - 1;
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var builder = new TokenKeyMapBuilder(keyCount, UnseenKeyPolicy.ScoreAsUnknown);
        builder.ToProvisional(new[] { keyCount - 1, 5, 7 }, "Tokens", 0);
        var map = builder.Build().Map;
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 1 << 20, "a map over 2^31 keys must not allocate per key");
        Assert.Equal([6, 8, keyCount], map.UsedKeys);
        Assert.Equal(2, map.ToModelId(keyCount - 1));
        Assert.Equal(-1, map.ToModelId(6));
    }

    [Fact]
    public void UnseenAndMissingKeysAreTheUnknownTokenOrAnErrorNamingColumnRowAndKey()
    {
        var map = TokenKeyMap.FromKeys(10, [2, 5], UnseenKeyPolicy.ScoreAsUnknown);
        int[] ids = [1, -1, 6, 4];
        map.ToModelIds(ids, "Tokens", 3);
        Assert.Equal([0, 2, 2, 1], ids);
        var error = Assert.Throws<InvalidDataException>(() => map.WithPolicy(UnseenKeyPolicy.Throw).ToModelIds(new[] { 1, 6 }, "Tokens", 3));
        Assert.Contains("Row 3 of column 'Tokens' holds key 7", error.Message);
        error = Assert.Throws<InvalidDataException>(() => map.WithPolicy(UnseenKeyPolicy.Throw).ToModelIds(new[] { -1 }, "Tokens", 8));
        Assert.Contains("Row 8 of column 'Tokens' holds the missing key 0", error.Message);
        // A model from before compact vocabularies has no unknown token: keys read one to one, a missing key is an error.
        var identity = TokenKeyMap.Identity(10);
        int[] same = [0, 9];
        identity.ToModelIds(same, "Tokens", 0);
        Assert.Equal([0, 9], same);
        Assert.Throws<InvalidDataException>(() => identity.ToModelIds(new[] { -1 }, "Tokens", 0));
    }

    [Theory]
    [InlineData(new[] { 3, 3 })]
    [InlineData(new[] { 4, 2 })]
    [InlineData(new[] { 0 })]
    [InlineData(new[] { 11 })]
    public void MapsWithKeysOutOfOrderOrOutOfRangeAreRejected(int[] keys) =>
        Assert.Throws<ArgumentException>(() => TokenKeyMap.FromKeys(10, keys, UnseenKeyPolicy.ScoreAsUnknown));

    [Fact]
    public void RemappingATokenBufferNarrowsIt()
    {
        var buffer = new TokenBuffer(70_000);
        foreach (int id in new[] { 69_999, 3, 0, 69_999 }) buffer.Add(id);
        Assert.Equal(4, buffer.BytesPerToken);
        buffer.Remap(id => id == 69_999 ? 1 : id == 3 ? 2 : 0, 3);
        Assert.Equal(2, buffer.BytesPerToken);
        Assert.Equal([1, 2, 0, 1], Enumerable.Range(0, 4).Select(i => buffer[i]).ToArray());
        buffer.Add(2);
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Add(3));
    }

    private sealed class WideKeys
    {
        [KeyType(10)]
        [VectorType]
        public uint[] Tokens { get; set; } = [];
    }

    [Fact]
    public void AKeyAboveTheKeyCountIsReportedWithItsRealValue()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new WideKeys { Tokens = [1, 2] }, new WideKeys { Tokens = [3, uint.MaxValue] } });
        var column = data.Schema["Tokens"];
        using var cursor = data.GetRowCursor([column]);
        var reader = TokenIdReader.Create(cursor, column);
        var ids = new int[4];
        Assert.True(cursor.MoveNext());
        Assert.Equal(2, reader.Read(ref ids, cursor.Position));
        Assert.True(cursor.MoveNext());
        var error = Assert.Throws<InvalidDataException>(() => reader.ReadAllowingMissing(ref ids, cursor.Position));
        Assert.Contains("token key 4294967295", error.Message);
        Assert.Contains("Row 1 of column 'Tokens'", error.Message);
    }

    private sealed class SparseKeys
    {
        [KeyType(10)]
        [VectorType(5)]
        public VBuffer<ushort> Tokens { get; set; }
    }

    [Fact]
    public void DenseAndSparseKeyVectorsReadAlike()
    {
        // A dense row is read as a span, a sparse one through its enumerator: its implicit zeros are missing keys.
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[]
        {
            new SparseKeys { Tokens = new VBuffer<ushort>(5, [3, 1, 4, 10, 2]) },
            new SparseKeys { Tokens = new VBuffer<ushort>(5, 2, [4, 7], [1, 3]) },
        });
        var column = data.Schema["Tokens"];
        using var cursor = data.GetRowCursor([column]);
        var reader = TokenIdReader.Create(cursor, column);
        var ids = new int[1];   // grown by the reader
        Assert.True(cursor.MoveNext());
        Assert.Equal(5, reader.Read(ref ids, cursor.Position));
        Assert.Equal([2, 0, 3, 9, 1], ids[..5]);
        Assert.True(cursor.MoveNext());
        Assert.Equal(5, reader.ReadAllowingMissing(ref ids, cursor.Position));
        Assert.Equal([-1, 3, -1, 6, -1], ids[..5]);
        var error = Assert.Throws<InvalidDataException>(() => reader.Read(ref ids, cursor.Position));
        Assert.Contains("Row 1 of column 'Tokens' holds the missing key 0 at position 0", error.Message);
    }
}
