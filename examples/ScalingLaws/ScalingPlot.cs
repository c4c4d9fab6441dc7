using ArML.Evaluators.ScalingLaws;
using ScottPlot;

namespace ArML.Examples.ScalingLaws;

/// <summary>Draws the runs, the fitted law and the held-out prediction on a log-compute axis.</summary>
internal static class ScalingPlot
{
    public static void Save(string path, ScalingLawFit fit, IReadOnlyList<ScalingPoint> fitted, ScalingResult largest,
        ScalingLawPrediction prediction, double? floor)
    {
        var plot = new Plot();
        // ScottPlot draws linear axes: plot log10(C) and label the ticks as powers of ten.
        double from = Math.Log10(fitted.Min(p => p.Scale)) - 0.2, to = Math.Log10(largest.Compute) + 0.4;
        var curveX = Enumerable.Range(0, 200).Select(i => from + (to - from) * i / 199).ToArray();
        var predictions = curveX.Select(x => fit.Predict(Math.Pow(10, x))).ToArray();

        var band = plot.Add.FillY(curveX, predictions.Select(p => p.ObservationInterval.Lower).ToArray(),
            predictions.Select(p => p.ObservationInterval.Upper).ToArray());
        band.FillColor = Colors.SteelBlue.WithAlpha(0.15);
        band.LineWidth = 0;
        band.LegendText = "95% interval for a new run";

        var curve = plot.Add.ScatterLine(curveX, predictions.Select(p => p.Loss).ToArray());
        curve.Color = Colors.SteelBlue;
        curve.LineWidth = 2;
        curve.LegendText = FormattableString.Invariant($"fit: {fit.A:G3}·C^{fit.B:F3} + {fit.C:F3}");

        var points = plot.Add.ScatterPoints(fitted.Select(p => Math.Log10(p.Scale)).ToArray(), fitted.Select(p => p.Loss).ToArray());
        points.Color = Colors.Black;
        points.MarkerSize = 9;
        points.LegendText = "runs used in the fit";

        var heldOut = plot.Add.ScatterPoints(new[] { Math.Log10(largest.Compute) }, new[] { largest.Loss });
        heldOut.Color = Colors.OrangeRed;
        heldOut.MarkerShape = MarkerShape.FilledDiamond;
        heldOut.MarkerSize = 13;
        heldOut.LegendText = FormattableString.Invariant($"held-out largest run: {largest.Loss:F3} (predicted {prediction.Loss:F3})");

        if (floor is double entropy)
        {
            var floorLine = plot.Add.HorizontalLine(entropy);
            floorLine.Color = Colors.Gray;
            floorLine.LinePattern = LinePattern.Dashed;
            floorLine.LegendText = FormattableString.Invariant($"source entropy (exact floor): {entropy:F3}");
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = x => FormattableString.Invariant($"1e{x:0}"),
        };
        plot.Axes.SetLimitsX(from, to);
        plot.Title("Validation loss against training compute (C = 6·N·D)");
        plot.XLabel("training compute C (FLOPs, log scale)");
        plot.YLabel("validation loss (nats per token)");
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, 900, 600);
    }
}
