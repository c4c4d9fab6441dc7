using Microsoft.ML;
using Microsoft.ML.Data;

namespace ArML.Persistence;

/// <summary>Turns a model, possibly made of nested transformer chains, into its leaf transformers in pipeline order.</summary>
internal static class ModelFlattening
{
    /// <summary>
    /// Whether <paramref name="model"/> is an ML.NET <see cref="TransformerChain{TLastTransformer}"/> of any type argument.
    /// The generic type definition is compared because a chain's element type is whatever its last estimator produced.
    /// </summary>
    internal static bool IsChain(ITransformer model) =>
        model is not IArmlPersistable
        && model is IEnumerable<ITransformer>
        && model.GetType() is { IsGenericType: true } type
        && type.GetGenericTypeDefinition() == typeof(TransformerChain<>);

    internal static List<ITransformer> Flatten(ITransformer model)
    {
        var result = new List<ITransformer>();
        Add(model, result);
        return result;
    }

    private static void Add(ITransformer model, List<ITransformer> into)
    {
        if (!IsChain(model))
        {
            into.Add(model);
            return;
        }
        foreach (var element in (IEnumerable<ITransformer>)model)
        {
            if (element is null) throw new ArgumentException("The model contains a null transformer.", nameof(model));
            Add(element, into);
        }
    }
}
