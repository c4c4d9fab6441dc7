using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ArML.Trainers.Density;

/// <summary>A softmax over the values 0 … K − 1 of each dimension: K network outputs per dimension.</summary>
internal sealed class CategoricalDistribution(int categories) : ConditionalDistribution
{
    public override int ParametersPerDimension => categories;

    // A category is fed back as a number in [0, 1]: ordered values such as pixel intensities stay ordered.
    public override float FeatureScale => 1f / (categories - 1);

    public override string? Problem(float value) =>
        value >= 0 && value < categories && value == MathF.Floor(value) ? null : $"a categorical dimension holds an integer in 0..{categories - 1}";

    public override Tensor LogProbability(Tensor parameters, Tensor values) =>
        F.log_softmax(parameters, -1).gather(-1, values.to_type(ScalarType.Int64).unsqueeze(-1)).squeeze(-1);

    public override float Sample(ReadOnlySpan<float> parameters, Random random)
    {
        float max = float.NegativeInfinity;
        foreach (float p in parameters) max = Math.Max(max, p);
        double total = 0;
        foreach (float p in parameters) total += Math.Exp(p - max);
        double u = random.NextDouble() * total;
        for (int k = 0; k < parameters.Length; k++)
        {
            u -= Math.Exp(parameters[k] - max);
            if (u <= 0) return k;
        }
        return parameters.Length - 1;
    }

    public override float[] InitialBias(DensityData data)
    {
        var counts = new double[data.Dimension * categories];
        var row = new float[data.Dimension];
        for (int r = 0; r < data.Rows; r++)
        {
            data.CopyRow(r, row);
            for (int d = 0; d < row.Length; d++) counts[d * categories + (int)row[d]]++;
        }
        // Log-frequencies with add-half smoothing; a softmax is unchanged by the missing normalizer.
        return counts.Select(n => (float)Math.Log(n + 0.5)).ToArray();
    }
}
