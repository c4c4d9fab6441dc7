using ArML.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Trainers.Density;

/// <summary>
/// A trained autoregressive density model of D-dimensional vectors: exact log-likelihoods (the chain rule
/// log p(x) = Σᵢ log p(xᵢ | x₍&lt;ᵢ₎), averaged in probability over MADE's masks) and ancestral sampling.
/// Thread-safe: calls into the network are serialized.
/// </summary>
/// <remarks>
/// Values are in the data's units: 0/1 for Bernoulli models, 0 … K − 1 for categorical ones, the raw numbers for
/// Gaussian mixtures (standardized inside, with the Jacobian included in the log-likelihood).
/// </remarks>
public sealed class DensityModel : IDisposable
{
    // Upper bound on the floats of one intermediate tensor of a forward pass (64 MB): B·D·P distribution parameters,
    // or B times a PixelCNN's feature maps, far larger per row.
    private const long ParameterBudget = 16L << 20;
    private readonly object _gate = new();

    internal DensityModel(AutoregressiveNetwork network, Standardization? standardization, Device device)
    {
        if (network.Config.Distribution == OutputDistribution.GaussianMixture && standardization is null)
            throw new ArgumentException("A Gaussian mixture model needs its standardization.", nameof(standardization));
        Network = network;
        Distribution = ConditionalDistribution.Create(network.Config);
        Standardization = network.Config.Distribution == OutputDistribution.GaussianMixture ? standardization : null;
        Device = device;
        network.eval();
    }

    /// <summary>The model's shape.</summary>
    internal DensityModelConfig Config => Network.Config;

    /// <summary>D, the length of the modelled vectors.</summary>
    public int Dimension => Network.Dimension;

    /// <summary>The standardization of a Gaussian mixture model's inputs; null for discrete models.</summary>
    public Standardization? Standardization { get; }

    /// <summary>Where the network computes.</summary>
    public Device Device { get; }

    internal AutoregressiveNetwork Network { get; }

    internal ConditionalDistribution Distribution { get; }

    /// <summary>Log-likelihood (natural log) of one vector of <see cref="Dimension"/> values.</summary>
    public double LogLikelihood(ReadOnlySpan<float> values)
    {
        var result = new double[1];
        LogLikelihoods(values, result);
        return result[0];
    }

    /// <summary>
    /// Log-likelihoods (natural log) of <paramref name="result"/>.Length vectors laid side by side in
    /// <paramref name="rows"/> (row-major, <see cref="Dimension"/> values each).
    /// </summary>
    /// <exception cref="ArgumentException">The number of values is not <paramref name="result"/>.Length × <see cref="Dimension"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A value is NaN, outside the distribution's support or (Gaussian mixture) too far from the training data, or a
    /// log-likelihood comes out non-finite; the message names the vector (and index).
    /// </exception>
    public void LogLikelihoods(ReadOnlySpan<float> rows, Span<double> result)
    {
        int d = Dimension;
        if (rows.Length != result.Length * d)
            throw new ArgumentException($"Expected {result.Length} rows of {d} values ({result.Length * d} in all), got {rows.Length} values.", nameof(rows));
        for (int i = 0; i < rows.Length; i++)
            if ((Distribution.Problem(rows[i]) ?? Standardization?.Problem(i % d, rows[i])) is string problem)
                throw new ArgumentOutOfRangeException(nameof(rows), $"Vector {i / d} holds {rows[i]} at index {i % d}, but {problem}.");
        if (ComputeLogLikelihoods(rows, result) is int bad)
            throw new ArgumentOutOfRangeException(nameof(rows), $"Vector {bad}: {NotFinite(result[bad])}");
    }

    /// <summary>Why a log-likelihood of <paramref name="value"/> (NaN or infinite) is an error.</summary>
    internal static string NotFinite(double value) =>
        $"its log-likelihood is {value}, not finite: the float32 network overflowed on it (rescale the column or retrain).";

    /// <summary>
    /// <see cref="LogLikelihoods"/> for values already checked; returns the first vector whose log-likelihood is not
    /// finite, or null. A NaN must never reach a score column, so callers report it with the row.
    /// </summary>
    internal int? ComputeLogLikelihoods(ReadOnlySpan<float> rows, Span<double> result)
    {
        int d = Dimension;
        int chunk = RowsPerPass;
        for (int start = 0; start < result.Length; start += chunk)
        {
            int count = Math.Min(chunk, result.Length - start);
            var values = rows.Slice(start * d, count * d).ToArray();
            Standardization?.Apply(values);
            var perMask = new double[Network.MaskCount][];
            for (int m = 0; m < Network.MaskCount; m++) perMask[m] = ModelSpaceLogLikelihoods(values, count, m);
            for (int r = 0; r < count; r++)
                result[start + r] = AverageOverMasks(perMask, r) + (Standardization?.LogJacobian ?? 0);
        }
        for (int r = 0; r < result.Length; r++)
            if (!double.IsFinite(result[r])) return r;
        return null;
    }

    /// <summary>Rows computed in one forward pass by <see cref="ComputeLogLikelihoods"/>, so that its memory is bounded.</summary>
    internal int RowsPerPass =>
        (int)Math.Clamp(ParameterBudget / Math.Max((long)Dimension * Config.ParametersPerDimension, Network.ActivationsPerRow), 1, 4096);

    /// <summary>
    /// Draws <paramref name="count"/> vectors by ancestral sampling: dimension after dimension in the ordering, each
    /// from its conditional given the values drawn so far. A model with several masks is a mixture of as many
    /// autoregressive models; each vector first draws its mask uniformly, so the samples follow the averaged density.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public float[][] Sample(int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var random = new Random(seed);
        var masks = Enumerable.Range(0, count).Select(_ => random.Next(Network.MaskCount)).ToArray();
        var samples = new float[count][];
        for (int m = 0; m < Network.MaskCount; m++)
        {
            var members = Enumerable.Range(0, count).Where(i => masks[i] == m).ToArray();
            if (members.Length == 0) continue;
            var drawn = SampleWithMask(members.Length, m, random);
            for (int i = 0; i < members.Length; i++) samples[members[i]] = drawn[i];
        }
        return samples;
    }

    /// <summary>Σᵢ log p(xᵢ | x₍&lt;ᵢ₎) under one mask, for standardized (model-space) rows.</summary>
    internal double[] ModelSpaceLogLikelihoods(float[] values, int count, int mask)
    {
        lock (_gate)
        {
            double[] result;
            using (NewDisposeScope())
            using (no_grad())
            {
                var x = tensor(values, [count, Dimension], device: Device);
                var parameters = Network.Conditionals(KeptScalar.Mul(x, Distribution.FeatureScale), mask);
                var logp = Distribution.LogProbability(parameters, x);                  // (B, D)
                result = logp.to_type(ScalarType.Float64).sum(1).cpu().data<double>().ToArray();
            }
            return result;
        }
    }

    /// <summary>Per-dimension distribution parameters (B, D, P) under one mask, for standardized rows (tests use it).</summary>
    internal float[] ModelSpaceConditionals(float[] values, int count, int mask)
    {
        lock (_gate)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var x = tensor(values, [count, Dimension], device: Device);
            return Network.Conditionals(KeptScalar.Mul(x, Distribution.FeatureScale), mask).cpu().contiguous().data<float>().ToArray();
        }
    }

    private float[][] SampleWithMask(int count, int mask, Random random)
    {
        int d = Dimension, p = Config.ParametersPerDimension;
        var values = new float[count * d];
        foreach (int dimension in Network.Ordering(mask))
        {
            // The parameters of this dimension depend only on those already drawn; the rest are still 0.
            var parameters = ModelSpaceConditionals(values, count, mask);
            for (int s = 0; s < count; s++)
                values[s * d + dimension] = Distribution.Sample(parameters.AsSpan((s * d + dimension) * p, p), random);
        }
        var rows = new float[count][];
        for (int s = 0; s < count; s++)
        {
            rows[s] = values.AsSpan(s * d, d).ToArray();
            if (Standardization is { } standardization)
                for (int i = 0; i < d; i++) rows[s][i] = standardization.Invert(i, rows[s][i]);
        }
        return rows;
    }

    // log((1/N)·Σₘ pₘ(x)), computed stably in log space.
    private static double AverageOverMasks(double[][] perMask, int row)
    {
        if (perMask.Length == 1) return perMask[0][row];
        double max = perMask.Max(m => m[row]);
        if (double.IsNegativeInfinity(max)) return max;
        double sum = perMask.Sum(m => Math.Exp(m[row] - max));
        return max + Math.Log(sum / perMask.Length);
    }

    /// <inheritdoc/>
    public void Dispose() => Network.Dispose();
}
