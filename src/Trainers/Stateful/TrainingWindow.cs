namespace ArML.Trainers.Stateful;

/// <summary>
/// One step of truncated back-propagation through time: <see cref="Readers"/> × <see cref="Length"/> inputs and their
/// targets, row-major, read after the state the previous window left — or after the start state when
/// <see cref="Restart"/> is set. Positions whose <see cref="Mask"/> is 0 are padding and never scored.
/// </summary>
/// <param name="Inputs">(Readers × Length) input ids.</param>
/// <param name="Targets">(Readers × Length) target ids.</param>
/// <param name="Mask">1 for scored positions, 0 for padding; null when every position is scored.</param>
/// <param name="Readers">Sequences read side by side.</param>
/// <param name="Length">Positions per sequence.</param>
/// <param name="Restart">Whether the window starts new sequences (from the start state).</param>
/// <param name="Tokens">Scored positions.</param>
internal readonly record struct TrainingWindow(long[] Inputs, long[] Targets, float[]? Mask, int Readers, int Length, bool Restart, long Tokens);
