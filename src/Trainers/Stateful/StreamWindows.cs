using ArML.Training;

namespace ArML.Trainers.Stateful;

/// <summary>
/// The rows, joined by the separator, as one cyclic stream: B readers start evenly spaced along it and each window
/// is the next T tokens of every reader, so the state carries across rows (a language model of one running text).
/// </summary>
internal sealed class StreamWindows : IWindowSchedule
{
    private readonly TokenBuffer _tokens;
    private readonly int _length;
    private readonly long _period;
    private readonly int _readers;
    private long _step;

    /// <param name="tokens">Rows joined by separators, starting and ending with one: at least two ids.</param>
    /// <param name="readers">Readers (fewer when the stream is shorter).</param>
    /// <param name="length">Tokens per window.</param>
    public StreamWindows(TokenBuffer tokens, int readers, int length)
    {
        _tokens = tokens;
        _length = length;
        _period = tokens.Length - 1;
        _readers = (int)Math.Min(readers, _period);
    }

    private long Segment => _period / _readers;

    public long TokensPerEpoch => _period;

    public long TokensPerWindow => (long)_readers * _length;

    public long[] Cursor
    {
        get => [_step];
        set => _step = value is [var step] && step >= 0 ? step : throw new ArgumentException("A stream cursor is one non-negative step count.");
    }

    /// <summary>The next window of every reader; windows come in order, so <paramref name="random"/> is not needed.</summary>
    public TrainingWindow Next(TrainingRandom random)
    {
        long step = _step++;
        return Window(step * _length, _length, restart: step == 0);
    }

    /// <summary>The first windows of every reader, each reader's segment read once at most.</summary>
    public IEnumerable<TrainingWindow> Sweep(int maxWindows)
    {
        for (long begin = 0; begin < Segment && begin / _length < maxWindows; begin += _length)
            yield return Window(begin, (int)Math.Min(_length, Segment - begin), restart: begin == 0);
    }

    private TrainingWindow Window(long offset, int length, bool restart)
    {
        var inputs = new long[_readers * length];
        var targets = new long[_readers * length];
        for (int b = 0; b < _readers; b++)
        {
            long position = (b * Segment + offset) % _period;
            for (int j = 0; j < length; j++)
            {
                // The buffer starts and ends with a separator, so wrapping from its last input to its first is seamless.
                inputs[b * length + j] = _tokens[position];
                targets[b * length + j] = _tokens[position + 1];
                if (++position == _period) position = 0;
            }
        }
        return new TrainingWindow(inputs, targets, null, _readers, length, restart, (long)_readers * length);
    }
}
