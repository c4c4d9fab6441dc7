using Microsoft.ML;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Transforms.Onnx;

namespace ArML.Onnx;

/// <summary>Lets ML.NET's ONNX transformer run graphs that use ONNX Runtime Extensions' operators (the text scorer's tokenizer).</summary>
public static class OnnxRuntimeExtensionsSessions
{
    /// <summary>
    /// Makes every ONNX session that <paramref name="mlContext"/> opens (when an <c>ApplyOnnxModel</c> estimator is
    /// fitted, and when <c>mlContext.Model.Load</c> restores one) register ONNX Runtime Extensions' custom operators.
    /// Call it on the context that fits a text scorer and on every context that loads one.
    /// </summary>
    /// <remarks>
    /// Sets ML.NET's <c>OnnxSessionOptions.CreateSessionOptions</c>, replacing session options set on the context before
    /// (threads, profiling). Needs the Microsoft.ML.OnnxRuntime.Extensions package (its native library) in the
    /// application; without it ONNX Runtime reports that the extensions library was not found when a session opens.
    /// A context without this call fails to load a saved text scorer with ML.NET's "Error during class instantiation",
    /// whose innermost exception is ONNX Runtime's "ai.onnx.contrib:GPT2Tokenizer(-1) is not a registered function/op".
    /// </remarks>
    /// <param name="mlContext">The context whose ONNX sessions get the operators.</param>
    public static void UseOnnxRuntimeExtensions(this MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        mlContext.SetOnnxSessionOption(new OnnxSessionOptions { CreateSessionOptions = Create });
    }

    /// <summary>Whether <see cref="UseOnnxRuntimeExtensions"/> (or another session factory) is set on the context.</summary>
    internal static bool HasSessionFactory(MLContext mlContext) => mlContext.GetOnnxSessionOption()?.CreateSessionOptions != null;

    private static SessionOptions Create()
    {
        var options = new SessionOptions();
        try
        {
            options.RegisterOrtExtensions();
            return options;
        }
        catch
        {
            options.Dispose();
            throw;
        }
    }
}
