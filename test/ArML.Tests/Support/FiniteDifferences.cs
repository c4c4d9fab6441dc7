using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Support;

/// <summary>Checks autograd's gradients against central finite differences of the loss, entry by entry.</summary>
public static class FiniteDifferences
{
    /// <summary>
    /// Compares the gradients already accumulated on <paramref name="model"/>'s parameters with (L(θ+h) − L(θ−h)) / 2h
    /// at <paramref name="entriesPerParameter"/> random entries of every parameter; the model should be float64.
    /// </summary>
    /// <returns>How many entries were checked.</returns>
    public static int AssertGradients(nn.Module model, Func<double> loss, int entriesPerParameter, double absoluteTolerance, double relativeTolerance)
    {
        var random = new Random(1);
        const double h = 1e-6;
        int checkedEntries = 0;
        foreach (var (name, parameter) in model.named_parameters())
        {
            var flat = parameter.detach().view(-1);
            var grad = parameter.grad!.view(-1);
            for (int k = 0; k < entriesPerParameter; k++)
            {
                long i = random.NextInt64(flat.shape[0]);
                double original = flat[i].item<double>();
                using (no_grad()) flat[i] = original + h;
                double plus = loss();
                using (no_grad()) flat[i] = original - h;
                double minus = loss();
                using (no_grad()) flat[i] = original;
                double numeric = (plus - minus) / (2 * h);
                double analytic = grad[i].item<double>();
                Assert.True(Math.Abs(numeric - analytic) <= absoluteTolerance + relativeTolerance * Math.Abs(numeric),
                    $"{name}[{i}]: autograd {analytic}, finite difference {numeric}");
                checkedEntries++;
            }
        }
        return checkedEntries;
    }
}
