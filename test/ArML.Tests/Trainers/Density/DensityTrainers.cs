using ArML.Trainers.Density;
using Microsoft.ML;

namespace ArML.Tests.Trainers.Density;

/// <summary>Small, fast trainer configurations for the density tests.</summary>
public static class DensityTrainers
{
    public static readonly string[] Families = ["fvsbn", "nade", "made", "made-masks"];

    public static DensityTrainerOptions Options(string family, int iterations = 60) => Tune(family switch
    {
        "fvsbn" => new FvsbnOptions(),
        "nade" => new NadeOptions { HiddenSize = 16 },
        "made" => new MadeOptions { HiddenLayerSizes = [64] },
        // Several masks with their own orderings, two hidden layers and direct connections: every MADE option at once.
        "made-masks" => new MadeOptions { HiddenLayerSizes = [48, 40], MaskCount = 3, ResampleOrderings = true, DirectConnections = true },
        _ => throw new ArgumentException(family),
    }, iterations);

    public static DensityTransformer Fit(MLContext ml, DensityTrainerOptions options, IDataView data) => options switch
    {
        FvsbnOptions o => ml.DensityEstimation().Trainers.Fvsbn(o).Fit(data),
        NadeOptions o => ml.DensityEstimation().Trainers.Nade(o).Fit(data),
        MadeOptions o => ml.DensityEstimation().Trainers.Made(o).Fit(data),
        _ => throw new ArgumentException(options.GetType().Name),
    };

    private static DensityTrainerOptions Tune(DensityTrainerOptions options, int iterations)
    {
        options.MaxIterations = iterations;
        options.BatchSize = 32;
        options.LearningRate = 5e-2;
        options.WarmupIterations = 5;
        options.EvaluationInterval = Math.Max(1, iterations);
        options.Seed = 3;
        return options;
    }
}
