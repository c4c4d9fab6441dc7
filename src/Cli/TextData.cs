using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Cli;

/// <summary>Text rows as a streaming ML.NET data view with one text column.</summary>
internal static class TextData
{
    /// <summary>
    /// A view over <paramref name="rows"/> with the text in <paramref name="columnName"/>. ML.NET enumerates the sequence
    /// again for each cursor, so a lazily read file is streamed, never held.
    /// </summary>
    public static IDataView FromRows(MLContext mlContext, IEnumerable<string> rows, string columnName = "Text")
    {
        var definition = SchemaDefinition.Create(typeof(TextRow));
        definition[0].ColumnName = columnName;
        return mlContext.Data.LoadFromEnumerable(rows.Select(text => new TextRow { Text = text }), definition);
    }

    /// <summary>The row type of <see cref="FromRows"/>.</summary>
    public sealed class TextRow
    {
        /// <summary>The row's text.</summary>
        public string Text { get; set; } = "";
    }
}
