using ArML.Data;
using ArML.Tests.Support;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace ArML.Tests.Core;

public class BatchMappedDataViewTests
{
    private sealed class Row
    {
        public float X { get; set; }
        [VectorType(3)] public float[] V { get; set; } = [];
        public string Name { get; set; } = "";
    }

    /// <summary>Adds Twice = 2X and Square = X², counting the rows it computes per output.</summary>
    private sealed class CountingMapper(DataViewSchema schema, int batchSize) : BatchRowMapper(schema, batchSize)
    {
        public int[] RowsComputed = new int[2];
        public List<int> BatchSizes = [];

        public override IReadOnlyList<OutputColumn> OutputColumns { get; } =
            [new("Twice", NumberDataViewType.Double), new("Square", NumberDataViewType.Double)];

        public override IEnumerable<DataViewSchema.Column> GetDependencies(bool[] activeOutputs) => [InputSchema["X"]];

        public override BatchComputation CreateComputation(DataViewRow input, bool[] activeOutputs, int capacity) =>
            new Computation(this, input.GetGetter<float>(InputSchema["X"]), activeOutputs, capacity);

        private sealed class Computation(CountingMapper owner, ValueGetter<float> x, bool[] active, int capacity) : BatchComputation
        {
            private readonly float[] _x = new float[capacity];
            private readonly double[][] _out = [new double[capacity], new double[capacity]];

            public override void Capture(int slot) => x(ref _x[slot]);

            public override void Compute(int count)
            {
                owner.BatchSizes.Add(count);
                for (int i = 0; i < count; i++)
                {
                    if (active[0]) { _out[0][i] = 2.0 * _x[i]; owner.RowsComputed[0]++; }
                    if (active[1]) { _out[1][i] = (double)_x[i] * _x[i]; owner.RowsComputed[1]++; }
                }
            }

            public override ValueGetter<T> GetGetter<T>(int outputIndex, Func<int> slot) => SlotGetter<T, double>(_out[outputIndex], slot);
        }
    }

    private static readonly MLContext Ml = new(seed: 0);

    private static IDataView Data(int rows) =>
        Ml.Data.LoadFromEnumerable(Enumerable.Range(0, rows).Select(i => new Row { X = i, V = [i, -i, i * 0.5f], Name = "r" + i }));

    [Fact]
    public void ComputesOnlyRequestedOutputsInBatchesReadingTheInputOnce()
    {
        var input = new CountingDataView(Data(10));
        var mapper = new CountingMapper(input.Schema, batchSize: 4);
        var view = new BatchMappedDataView(input, mapper);

        var values = new List<double>();
        using (var cursor = view.GetRowCursor([view.Schema["Square"]]))
        {
            var getter = cursor.GetGetter<double>(view.Schema["Square"]);
            double value = 0;
            while (cursor.MoveNext())
            {
                getter(ref value);
                values.Add(value);
            }
        }
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (double)i * i), values);
        Assert.Equal(0, mapper.RowsComputed[0]);
        Assert.Equal(10, mapper.RowsComputed[1]);
        Assert.Equal([4, 4, 2], mapper.BatchSizes);
        Assert.Equal(1, input.CursorsOpened);
        Assert.Equal(10, input.RowsRead);
        Assert.Equal(["X"], input.ColumnsRequested[0]);
    }

    [Fact]
    public void NothingIsComputedWhenNoOutputIsRequested()
    {
        var input = new CountingDataView(Data(7));
        var mapper = new CountingMapper(input.Schema, batchSize: 3);
        var view = new BatchMappedDataView(input, mapper);
        Assert.Equal(7, Ml.Data.CreateEnumerable<Row>(view, reuseRowObject: false).Count());
        Assert.Equal(0, mapper.RowsComputed.Sum());
        Assert.Empty(mapper.BatchSizes);
        Assert.Equal(7, input.RowsRead);
    }

    [Fact]
    public void PassThroughColumnsStayAlignedWithComputedOutputs()
    {
        var mapper = new CountingMapper(Data(9).Schema, batchSize: 4);
        var view = new BatchMappedDataView(Data(9), mapper);
        var rows = Ml.Data.CreateEnumerable<Mapped>(view, reuseRowObject: false).ToList();
        Assert.Equal(9, rows.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            Assert.Equal("r" + i, rows[i].Name);
            Assert.Equal([i, -i, i * 0.5f], rows[i].V);
            Assert.Equal(2.0 * i, rows[i].Twice);
            Assert.Equal((double)i * i, rows[i].Square);
        }
    }

    [Fact]
    public void RowIdsMatchTheInputs()
    {
        var input = Data(6);
        var view = new BatchMappedDataView(input, new CountingMapper(input.Schema, batchSize: 4));
        Assert.Equal(ReadIds(input, []), ReadIds(view, [view.Schema["Twice"]]));
    }

    [Fact]
    public void RowToRowMapperGivesTheSameValuesAsTheView()
    {
        var input = Data(5);
        var mapper = new BatchRowToRowMapper(new CountingMapper(input.Schema, batchSize: 4));
        var twice = mapper.OutputSchema["Twice"];
        Assert.Equal(["X"], mapper.GetDependencies([twice]).Select(c => c.Name));
        using var cursor = input.GetRowCursor(input.Schema);
        using var row = mapper.GetRow(cursor, [twice]);
        var getter = row.GetGetter<double>(twice);
        double value = 0;
        int i = 0;
        while (cursor.MoveNext())
        {
            getter(ref value);
            Assert.Equal(2.0 * i++, value);
        }
        Assert.Equal(5, i);
    }

    [Fact]
    public void UnrequestedColumnsCannotBeRead()
    {
        var input = Data(3);
        var view = new BatchMappedDataView(input, new CountingMapper(input.Schema, batchSize: 2));
        using var cursor = view.GetRowCursor([view.Schema["Twice"]]);
        Assert.Throws<InvalidOperationException>(() => cursor.GetGetter<double>(view.Schema["Square"]));
    }

    private static List<DataViewRowId> ReadIds(IDataView data, IEnumerable<DataViewSchema.Column> columns)
    {
        var ids = new List<DataViewRowId>();
        using var cursor = data.GetRowCursor(columns);
        var getter = cursor.GetIdGetter();
        DataViewRowId id = default;
        while (cursor.MoveNext())
        {
            getter(ref id);
            ids.Add(id);
        }
        return ids;
    }

    private sealed class Mapped
    {
        public string Name { get; set; } = "";
        [VectorType(3)] public float[] V { get; set; } = [];
        public double Twice { get; set; }
        public double Square { get; set; }
    }
}
