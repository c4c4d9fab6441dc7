namespace ArML.Training;

/// <summary>Linear warm-up from zero to the peak rate, then cosine decay to the minimum at the horizon.</summary>
internal sealed class LearningRateSchedule
{
    private readonly double _peak;
    private readonly double _min;
    private readonly int _warmup;
    private readonly int _horizon;

    /// <summary>A schedule peaking at <paramref name="peak"/> after <paramref name="warmup"/> steps and reaching <paramref name="min"/> at step <paramref name="horizon"/>.</summary>
    public LearningRateSchedule(double peak, double min, int warmup, int horizon)
    {
        _peak = peak;
        _min = min;
        _warmup = warmup;
        _horizon = Math.Max(horizon, warmup + 1);
    }

    /// <summary>The rate of zero-based step <paramref name="step"/>.</summary>
    public double At(int step)
    {
        if (step < _warmup) return _peak * (step + 1) / (_warmup + 1);
        double progress = Math.Min(1.0, (step - _warmup) / (double)(_horizon - _warmup));
        return _min + 0.5 * (1 + Math.Cos(Math.PI * progress)) * (_peak - _min);
    }
}
