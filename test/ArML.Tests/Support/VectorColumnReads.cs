using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit.Sdk;

namespace ArML.Tests.Support;

/// <summary>A row class with one vector column read twice: as a VBuffer and as an array.</summary>
public sealed class VectorRow<T>
{
    public VBuffer<T> Buffer;
    public T[] Array = [];
}

/// <summary>
/// Reads one vector column of a transformer's output the four ways ML.NET users read it and checks every row each
/// way against an independent per-row check. Every way keeps all rows before checking any, so a getter that writes
/// a later row into memory an earlier row still uses shows up as a wrong earlier row.
/// </summary>
public static class VectorColumnReads
{
    /// <param name="ml">The context.</param>
    /// <param name="model">The transformer producing <paramref name="column"/>.</param>
    /// <param name="inputs">The input rows (more than one scoring batch shows reuse across batches).</param>
    /// <param name="column">The vector column.</param>
    /// <param name="checkRow">
    /// Asserts that row <c>i</c>'s dense values are right, computed without this column's reads; its last argument
    /// says whether the row was computed alone (PredictionEngine) rather than in a batch of rows.
    /// </param>
    public static void AssertEveryWay<TIn, T>(MLContext ml, ITransformer model, IReadOnlyList<TIn> inputs, string column, Action<int, T[], bool> checkRow)
        where TIn : class
    {
        Action<int, T[]> batched = (i, values) => checkRow(i, values, false);
        var output = model.Transform(ml.Data.LoadFromEnumerable(inputs));
        var type = output.Schema[column].Type;

        // ML.NET's GetColumn passes one VBuffer to the getter for every row and yields it each time.
        CheckAll("GetColumn<VBuffer>", output.GetColumn<VBuffer<T>>(column).ToArray().Select(Dense).ToList(), inputs.Count, batched);
        CheckAll("GetColumn<T[]>", output.GetColumn<T[]>(column).ToList(), inputs.Count, batched);
        CheckAll("cursor keeping earlier rows", CursorKeepingRows<T>(output, column), inputs.Count, batched);

        var definition = SchemaDefinition.Create(typeof(VectorRow<T>));
        foreach (var member in definition)
        {
            member.ColumnName = column;
            member.ColumnType = type;
        }
        var enumerated = ml.Data.CreateEnumerable<VectorRow<T>>(output, reuseRowObject: false, schemaDefinition: definition).ToList();
        CheckAll("CreateEnumerable VBuffer field", enumerated.Select(r => Dense(r.Buffer)).ToList(), inputs.Count, batched);
        CheckAll("CreateEnumerable array field", enumerated.Select(r => r.Array).ToList(), inputs.Count, batched);

        using var engine = ml.Model.CreatePredictionEngine<TIn, VectorRow<T>>(model, ignoreMissingColumns: true, outputSchemaDefinition: definition);
        var predictions = inputs.Select(engine.Predict).ToList();
        Action<int, T[]> alone = (i, values) => checkRow(i, values, true);
        CheckAll("PredictionEngine VBuffer field", predictions.Select(r => Dense(r.Buffer)).ToList(), inputs.Count, alone);
        CheckAll("PredictionEngine array field", predictions.Select(r => r.Array).ToList(), inputs.Count, alone);
    }

    private static T[] Dense<T>(VBuffer<T> value) => value.DenseValues().ToArray();

    // Reads every row into the same variable, as ML.NET's own consumers do, keeping each row's VBuffer (not a copy
    // of its values) to look at only after the last row.
    private static List<T[]> CursorKeepingRows<T>(IDataView data, string name)
    {
        var column = data.Schema[name];
        var kept = new List<VBuffer<T>>();
        using (var cursor = data.GetRowCursor([column]))
        {
            var getter = cursor.GetGetter<VBuffer<T>>(column);
            VBuffer<T> value = default;
            while (cursor.MoveNext())
            {
                getter(ref value);
                kept.Add(value);
            }
        }
        return kept.Select(Dense).ToList();
    }

    private static void CheckAll<T>(string way, IReadOnlyList<T[]> rows, int expectedRows, Action<int, T[]> checkRow)
    {
        if (rows.Count != expectedRows) throw new XunitException($"{way}: {rows.Count} rows, expected {expectedRows}.");
        var wrong = new List<string>();
        for (int i = 0; i < rows.Count; i++)
        {
            try
            {
                checkRow(i, rows[i]);
            }
            catch (XunitException e)
            {
                wrong.Add($"row {i}: {e.Message}");
            }
        }
        if (wrong.Count > 0)
            throw new XunitException($"{way}: {wrong.Count} of {rows.Count} rows wrong; first: {wrong[0]}");
    }
}
