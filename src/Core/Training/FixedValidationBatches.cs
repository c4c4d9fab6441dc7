using static TorchSharp.torch;

namespace ArML.Training;

/// <summary>
/// Validation over a fixed set of sampled batches: the same seed draws the same batches at every evaluation, so the
/// numbers of successive evaluations are comparable. Shared by the tasks that validate on random batches.
/// </summary>
internal static class FixedValidationBatches
{
    /// <summary>
    /// The mean of <paramref name="loss"/> over <paramref name="batches"/> batches drawn from a generator seeded with
    /// <paramref name="seed"/>, with <paramref name="module"/> in evaluation mode and no gradients (its mode is restored).
    /// </summary>
    public static double MeanLoss(nn.Module module, long seed, int batches, Func<TrainingRandom, Tensor> loss)
    {
        var random = new TrainingRandom(seed);
        double total = 0;
        bool wasTraining = module.training;
        module.eval();
        try
        {
            using var noGrad = no_grad();
            for (int i = 0; i < batches; i++)
            {
                using var scope = NewDisposeScope();
                total += loss(random).item<float>();
            }
        }
        finally
        {
            if (wasTraining) module.train();
        }
        return total / batches;
    }
}
