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
