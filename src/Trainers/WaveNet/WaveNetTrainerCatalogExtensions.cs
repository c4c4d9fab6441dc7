using ArML.Trainers.WaveNet;

namespace ArML;

/// <summary>Adds the WaveNet trainer to <c>mlContext.LanguageModeling().Trainers</c>.</summary>
public static class WaveNetTrainerCatalogExtensions
{
    /// <summary>A WaveNet (dilated causal convolutions) trained on a key column of quantized samples.</summary>
    /// <param name="catalog">The language modeling trainers catalog.</param>
    /// <param name="options">Network shape and training options.</param>
    public static WaveNetTrainer WaveNet(this LanguageModelingCatalog.TrainerCatalog catalog, WaveNetTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new WaveNetTrainer(catalog.Context, options);
    }

    /// <summary>A WaveNet with default options on <paramref name="tokenColumnName"/>.</summary>
    /// <param name="catalog">The language modeling trainers catalog.</param>
    /// <param name="tokenColumnName">Sample column: a vector of keys (for example 256 μ-law levels).</param>
    /// <param name="layersPerCycle">Gated layers per cycle of dilations 1, 2, 4, … (two cycles).</param>
    /// <param name="maxIterations">Optimizer steps.</param>
    public static WaveNetTrainer WaveNet(this LanguageModelingCatalog.TrainerCatalog catalog, string tokenColumnName = "Tokens", int layersPerCycle = 8,
        int maxIterations = 2000) =>
        catalog.WaveNet(new WaveNetTrainer.Options { TokenColumnName = tokenColumnName, LayersPerCycle = layersPerCycle, MaxIterations = maxIterations });
}
