using ArML.Training;

namespace ArML.Trainers.Stateful;

/// <summary>
/// Rows read from the start state, as they are scored: the rows sorted by length are cut into groups of B similar
/// lengths; a window draws a group at random and reads its first T positions (padding the shorter rows), and while a
/// group has rows longer than that, the following windows read its next T positions, carrying the state.
/// </summary>
internal sealed class RowWindows : IWindowSchedule
{
    private readonly TokenBuffer _tokens;
    private readonly long[] _starts;          // framed row i is _tokens[_starts[i] .. _starts[i + 1])
    private readonly int[] _byLength;         // row indices, shortest first
    private readonly int _readers;
    private readonly int _length;
    private long _group = -1;                 // the group being read, or −1 between groups
    private long _offset;                     // input positions of the group already read

    /// <param name="tokens">Framed rows (SEP t₁ … tₙ SEP) one after another.</param>
    /// <param name="starts">Start of each framed row, and the end as the last entry.</param>
    /// <param name="readers">Rows per group.</param>
    /// <param name="length">Positions per window.</param>
    public RowWindows(TokenBuffer tokens, long[] starts, int readers, int length)
    {
        _tokens = tokens;
        _starts = starts;
        _readers = readers;
        _length = length;
        _byLength = Enumerable.Range(0, starts.Length - 1).OrderBy(Inputs).ToArray();
    }

    private int Rows => _starts.Length - 1;

    private long Groups => (Rows + _readers - 1) / _readers;

    public long TokensPerEpoch => _starts[^1] - _starts[0] - Rows;

    public long TokensPerWindow => (long)Math.Min(_readers, Rows) * Math.Min(_length, Math.Max(1, TokensPerEpoch / Rows));

    public long[] Cursor
    {
        get => [_group, _offset];
        set => (_group, _offset) = value is [var group, var offset] && group >= -1 && group < Groups && offset >= 0
            ? (group, offset) : throw new ArgumentException("A row cursor is a group (−1 or a valid group) and a non-negative offset.");
    }

    public TrainingWindow Next(TrainingRandom random)
    {
        bool restart = _group < 0;
        if (restart)
        {
            _group = random.NextInt64(Groups);
            _offset = 0;
        }
        var rows = GroupRows(_group, _byLength);
        var window = Window(rows, _offset, restart);
        _offset += window.Length;
        if (_offset >= rows.Max(Inputs)) _group = -1;
        return window;
    }

    /// <summary>The first groups of B rows in their original order, each read to its end.</summary>
    public IEnumerable<TrainingWindow> Sweep(int maxWindows)
    {
        var order = Enumerable.Range(0, Rows).ToArray();
        int produced = 0;
        for (long group = 0; group < Groups && produced < maxWindows; group++)
        {
            var rows = GroupRows(group, order);
            long longest = rows.Max(Inputs);
            for (long offset = 0; offset < longest; offset += _length, produced++) yield return Window(rows, offset, offset == 0);
        }
    }

    private int[] GroupRows(long group, int[] order) => order.AsSpan((int)(group * _readers), (int)Math.Min(_readers, Rows - group * _readers)).ToArray();

    private long Inputs(int row) => _starts[row + 1] - _starts[row] - 1;

    private TrainingWindow Window(int[] rows, long offset, bool restart)
    {
        int length = (int)Math.Min(_length, rows.Max(Inputs) - offset);
        var inputs = new long[rows.Length * length];
        var targets = new long[rows.Length * length];
        var mask = new float[rows.Length * length];
        long tokens = 0;
        for (int b = 0; b < rows.Length; b++)
        {
            int available = (int)Math.Clamp(Inputs(rows[b]) - offset, 0, length);
            long start = _starts[rows[b]] + offset;
            for (int j = 0; j < available; j++)
            {
                inputs[b * length + j] = _tokens[start + j];
                targets[b * length + j] = _tokens[start + j + 1];
                mask[b * length + j] = 1;
            }
            tokens += available;
            // Padding (id 0, mask 0) after a row's end only feeds positions that are never scored.
        }
        return new TrainingWindow(inputs, targets, mask, rows.Length, length, restart, tokens);
    }
}
