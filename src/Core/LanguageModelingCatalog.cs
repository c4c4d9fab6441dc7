using Microsoft.ML;

namespace ArML;

/// <summary>
/// Entry point of ArML's language modeling: <c>mlContext.LanguageModeling()</c>. Trainers hang off
/// <see cref="Trainers"/> and evaluation off the catalog itself, as extension methods from ArML's assemblies.
/// </summary>
/// <remarks>
/// ML.NET's own catalogs hide their <see cref="MLContext"/>; this one keeps it visible in <see cref="Context"/>
/// because trainers need its seed (through <see cref="Microsoft.ML.Runtime.IHostEnvironment"/>), its log and
/// its device settings.
/// </remarks>
public sealed class LanguageModelingCatalog
{
    internal LanguageModelingCatalog(MLContext context)
    {
        Context = context;
        Trainers = new TrainerCatalog(context);
    }

    /// <summary>The context this catalog was created from.</summary>
    public MLContext Context { get; }

    /// <summary>Language model trainers (for example <c>Gpt</c>).</summary>
    public TrainerCatalog Trainers { get; }

    /// <summary>Extension point for language model trainers.</summary>
    public sealed class TrainerCatalog
    {
        internal TrainerCatalog(MLContext context) => Context = context;

        /// <summary>The context this catalog was created from.</summary>
        public MLContext Context { get; }
    }
}

/// <summary>Adds <see cref="LanguageModeling"/> to <see cref="MLContext"/>.</summary>
public static class MLContextLanguageModelingExtensions
{
    /// <summary>ArML's language modeling catalog: trainers, evaluation, generation.</summary>
    public static LanguageModelingCatalog LanguageModeling(this MLContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new LanguageModelingCatalog(context);
    }
}
