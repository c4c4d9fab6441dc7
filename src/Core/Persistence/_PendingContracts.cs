// Placeholder until the persistence branch lands; removed at merge.
namespace ArML.Persistence;
#pragma warning disable CS1591
public sealed class ArmlComponentWriter
{
    public void WriteJson<T>(string name, T value) => throw new NotSupportedException();
    public void WriteTensors(string name, IEnumerable<KeyValuePair<string, TensorData>> tensors) => throw new NotSupportedException();
}
public sealed class ArmlComponentReader
{
    public int KindVersion => 0;
    public T ReadJson<T>(string name) => throw new NotSupportedException();
    public IReadOnlyDictionary<string, TensorData> ReadTensors(string name) => throw new NotSupportedException();
}
public static class ArmlComponentRegistry { }
public sealed class ArmlModelFormatException(string message) : Exception(message) { }
public static class ModelOperationsCatalogExtensions
{
    public static void SaveArml(this Microsoft.ML.ModelOperationsCatalog c, Microsoft.ML.ITransformer m, Microsoft.ML.DataViewSchema s, string p) => throw new NotSupportedException("pending");
    public static Microsoft.ML.ITransformer LoadArml(this Microsoft.ML.ModelOperationsCatalog c, string p, out Microsoft.ML.DataViewSchema s, ArmlLoadContext? x = null) => throw new NotSupportedException("pending");
}
