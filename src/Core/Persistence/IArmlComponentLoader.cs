using Microsoft.ML;

namespace ArML.Persistence;

/// <summary>Reads one kind of ArML component back. Implementations have a public parameterless constructor.</summary>
internal interface IArmlComponentLoader
{
    /// <summary>Rebuilds the transformer that <see cref="IArmlPersistable.SaveArml"/> wrote.</summary>
    ITransformer Load(ArmlComponentReader reader, ArmlLoadContext context);
}
