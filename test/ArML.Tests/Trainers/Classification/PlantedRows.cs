using ArML.Trainers.Classification;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Tests.Trainers.Classification;

/// <summary>
/// Rows of noise tokens (keys 4..12) with one marker key (1, 2 or 3) at a random position: the marker is the class.
/// A classifier must find the marker wherever it is, so it has to use attention, not the last token alone.
/// </summary>
public static class PlantedRows
{
    public const int KeyCount = 12;

    public sealed class Row
    {
        [KeyType(KeyCount)]
        [VectorType]
        public uint[] Tokens { get; set; } = [];

        /// <summary>The class, 0-based: ML.NET reads a scalar key property as key value + 1 (this 1 as key 2).</summary>
        [KeyType(3)]
        public uint Label { get; set; }
    }

    public sealed class BinaryRow
    {
        [KeyType(KeyCount)]
        [VectorType]
        public uint[] Tokens { get; set; } = [];

        public bool Label { get; set; }
    }

    public static Row[] Multiclass(int count, int seed)
    {
        var random = new Random(seed);
        var rows = new Row[count];
        for (int i = 0; i < count; i++)
        {
            int label = random.Next(3);
            var tokens = new uint[random.Next(3, 12)];
            for (int j = 0; j < tokens.Length; j++) tokens[j] = (uint)random.Next(4, KeyCount + 1);
            tokens[random.Next(tokens.Length)] = (uint)(label + 1);
            rows[i] = new Row { Tokens = tokens, Label = (uint)label };
        }
        return rows;
    }

    /// <summary>Marker key 1 means true, key 2 false.</summary>
    public static BinaryRow[] Binary(int count, int seed) =>
        Multiclass(count, seed).Select(r => new BinaryRow
        {
            Tokens = r.Tokens.Select(t => t == 3 ? 2u : t).ToArray(),
            Label = r.Label == 0,
        }).ToArray();

    public static GptClassifierOptions Options(int iterations) => new()
    {
        ContextLength = 16,
        LayerCount = 1,
        HeadCount = 2,
        EmbeddingSize = 32,
        BatchSize = 16,
        MaxIterations = iterations,
        LearningRate = 3e-3,
        WarmupIterations = 10,
        Seed = 1,
    };

    public static IDataView Load(MLContext ml, IEnumerable<Row> rows) => ml.Data.LoadFromEnumerable(rows);
}
