using System.Globalization;

namespace ArML.Trainers.Preference;

/// <summary>
/// How a model ranks preference pairs against the reference, over a set of rows. With the implicit reward
/// r(x, y) = β (log π(y|x) − log π_ref(y|x)), each row has a chosen reward r_w, a rejected reward r_l and a margin r_w − r_l.
/// </summary>
public sealed record DpoMetrics
{
    /// <summary>Rows measured.</summary>
    public required int RowCount { get; init; }

    /// <summary>Mean DPO loss −log σ(r_w − r_l); ln 2 ≈ 0.693 for the reference itself.</summary>
    public required double Loss { get; init; }

    /// <summary>Share of rows whose chosen reward exceeds the rejected one (a tie counts half, so the reference scores 0.5).</summary>
    public required double PreferenceAccuracy { get; init; }

    /// <summary>Mean reward margin r_w − r_l (nats × β).</summary>
    public required double MeanRewardMargin { get; init; }

    /// <summary>Mean chosen reward r_w.</summary>
    public required double MeanChosenReward { get; init; }

    /// <summary>Mean rejected reward r_l.</summary>
    public required double MeanRejectedReward { get; init; }

    /// <summary>
    /// A Kullback-Leibler estimate to the reference: the mean over rows of log π(y_w|x) − log π_ref(y_w|x) on the chosen
    /// responses (nats per response, not scaled by β). 0 for the reference itself. The chosen responses are not samples of
    /// π, so this tracks the drift on the data rather than estimating KL(π ‖ π_ref) without bias.
    /// </summary>
    public required double KullbackLeiblerEstimate { get; init; }

    /// <summary>The metrics of rows whose sequence log-probabilities (natural log, responses only) are given.</summary>
    internal static DpoMetrics From(double beta, ReadOnlySpan<double> chosen, ReadOnlySpan<double> rejected,
        ReadOnlySpan<double> referenceChosen, ReadOnlySpan<double> referenceRejected)
    {
        int n = chosen.Length;
        double loss = 0, right = 0, margin = 0, chosenReward = 0, rejectedReward = 0, drift = 0;
        for (int i = 0; i < n; i++)
        {
            double w = beta * (chosen[i] - referenceChosen[i]);
            double l = beta * (rejected[i] - referenceRejected[i]);
            double m = w - l;
            loss += NegativeLogSigmoid(m);
            right += m > 0 ? 1 : m == 0 ? 0.5 : 0;
            margin += m;
            chosenReward += w;
            rejectedReward += l;
            drift += chosen[i] - referenceChosen[i];
        }
        double scale = n == 0 ? double.NaN : 1.0 / n;
        return new DpoMetrics
        {
            RowCount = n,
            Loss = loss * scale,
            PreferenceAccuracy = right * scale,
            MeanRewardMargin = margin * scale,
            MeanChosenReward = chosenReward * scale,
            MeanRejectedReward = rejectedReward * scale,
            KullbackLeiblerEstimate = drift * scale,
        };
    }

    /// <summary>−log σ(m) = log(1 + e^(−m)), without overflow for large |m|.</summary>
    internal static double NegativeLogSigmoid(double m) => m >= 0 ? Math.Log(1 + Math.Exp(-m)) : -m + Math.Log(1 + Math.Exp(m));

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"DPO loss {Loss:F4}, preference accuracy {PreferenceAccuracy:P1}, reward margin {MeanRewardMargin:F4} (chosen {MeanChosenReward:F4}, rejected {MeanRejectedReward:F4}), KL estimate {KullbackLeiblerEstimate:F4} over {RowCount} rows");
}
