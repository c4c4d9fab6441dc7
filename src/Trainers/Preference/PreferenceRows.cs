using System.Globalization;
using ArML.Data;
using ArML.Trainers.Gpt;
using ArML.Training;
using Microsoft.ML;

namespace ArML.Trainers.Preference;

/// <summary>
/// Preference rows read once through a cursor: each row's chosen and rejected responses framed after its prompt as
/// ArML frames a row, <c>SEP x₁ … xₖ y₁ … yₘ SEP</c>, so a response is what generation after the prompt would produce,
/// its end included. A response's log-probability sums the targets y₁ … yₘ and the final SEP; the prompt's are masked.
/// </summary>
internal sealed class PreferenceRows
{
    private PreferenceRows(int[][] chosen, int[][] rejected, int[] chosenStarts, int[] rejectedStarts, int trimmedPrompts)
    {
        Chosen = chosen;
        Rejected = rejected;
        ChosenStarts = chosenStarts;
        RejectedStarts = rejectedStarts;
        TrimmedPrompts = trimmedPrompts;
        ReferenceChosen = new double[chosen.Length];
        ReferenceRejected = new double[chosen.Length];
    }

    /// <summary>Each row's prompt and chosen response, framed.</summary>
    public int[][] Chosen { get; }

    /// <summary>Each row's prompt and rejected response, framed.</summary>
    public int[][] Rejected { get; }

    /// <summary>Position of each chosen sequence's first response target (1 + the prompt's kept length).</summary>
    public int[] ChosenStarts { get; }

    /// <summary>Position of each rejected sequence's first response target.</summary>
    public int[] RejectedStarts { get; }

    /// <summary>Sequences whose prompt lost its first tokens to fit the context.</summary>
    public int TrimmedPrompts { get; }

    /// <summary>log π_ref(y_w|x) of each row, once <see cref="ScoreReference"/> has run.</summary>
    public double[] ReferenceChosen { get; }

    /// <summary>log π_ref(y_l|x) of each row, once <see cref="ScoreReference"/> has run.</summary>
    public double[] ReferenceRejected { get; }

    /// <summary>Rows read.</summary>
    public int Count => Chosen.Length;

    /// <summary>A SHA-256 of the framed sequences, their response starts and the reference's log-probabilities.</summary>
    public string Fingerprint()
    {
        using var hash = new ContentHash();
        foreach (var sequence in Chosen.Concat(Rejected))
        {
            hash.Append(sequence.Length);
            hash.Append<int>(sequence);
        }
        hash.Append<int>(ChosenStarts);
        hash.Append<int>(RejectedStarts);
        hash.Append<double>(ReferenceChosen);
        hash.Append<double>(ReferenceRejected);
        return hash.Finish();
    }

    /// <summary>Fills <see cref="ReferenceChosen"/> and <see cref="ReferenceRejected"/> with the frozen reference's log-probabilities.</summary>
    public void ScoreReference(GptLanguageModel reference)
    {
        ScoreResponses(reference, Chosen, ChosenStarts, ReferenceChosen);
        ScoreResponses(reference, Rejected, RejectedStarts, ReferenceRejected);
    }

    /// <summary>
    /// log p(y|x) of each framed sequence's response under <paramref name="model"/>, by ArML's scoring path (float64 sums);
    /// every sequence fits the context, so each is one window.
    /// </summary>
    public static void ScoreResponses(GptLanguageModel model, int[][] framed, int[] starts, Span<double> logProbabilities)
    {
        var counts = new int[framed.Length];
        model.ScoreFramed(framed, framed.Select(f => f.Length).ToArray(), starts, model.ContextLength, logProbabilities, counts);
    }

    /// <summary>Reads <paramref name="data"/>'s three token columns (already checked), mapping keys with <paramref name="map"/>.</summary>
    /// <exception cref="InvalidDataException">A response is empty or longer than the context, or a key has no id (the row and column are named).</exception>
    public static PreferenceRows Read(IDataView data, DpoOptions options, TokenKeyMap map, TokenIdLayout layout, int context)
    {
        var schema = data.Schema;
        var columns = new[] { schema[options.PromptColumnName], schema[options.ChosenColumnName], schema[options.RejectedColumnName] };
        using var cursor = data.GetRowCursor(columns);
        var readers = columns.Select(c => TokenIdReader.Create(cursor, c)).ToArray();
        var buffers = new[] { new int[64], new int[64], new int[64] };
        var chosen = new List<int[]>();
        var rejected = new List<int[]>();
        var chosenStarts = new List<int>();
        var rejectedStarts = new List<int>();
        var frame = new List<int>();
        int trimmed = 0;
        while (cursor.MoveNext())
        {
            long row = cursor.Position;
            var spans = new int[3][];
            for (int c = 0; c < 3; c++)
            {
                int n = readers[c].ReadAllowingMissing(ref buffers[c], row);
                var ids = buffers[c].AsSpan(0, n);
                map.ToModelIds(ids, columns[c].Name, row);
                if (n == 0 && c > 0)
                    throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                        $"Row {row} of column '{columns[c].Name}' is empty: every preference row needs a non-empty chosen and rejected response."));
                spans[c] = ids.ToArray();
            }
            chosen.Add(Frame(spans[0], spans[1], columns[1].Name, row, out int start));
            chosenStarts.Add(start);
            rejected.Add(Frame(spans[0], spans[2], columns[2].Name, row, out start));
            rejectedStarts.Add(start);
        }
        return new PreferenceRows(chosen.ToArray(), rejected.ToArray(), chosenStarts.ToArray(), rejectedStarts.ToArray(), trimmed);

        // SEP x y SEP has |x| + |y| + 1 inputs: the prompt keeps its last tokens when they do not all fit; the response must.
        int[] Frame(int[] prompt, int[] response, string column, long row, out int firstTarget)
        {
            if (response.Length + 1 > context)
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"Row {row} of column '{column}' holds {response.Length} tokens; with the separator before it the response needs {response.Length + 1} positions, more than the model's context of {context}."));
            int kept = Math.Min(prompt.Length, context - 1 - response.Length);
            if (kept < prompt.Length) trimmed++;
            layout.Frame([], [.. prompt.AsSpan(prompt.Length - kept), .. response], frame);
            firstTarget = 1 + kept;
            return frame.ToArray();
        }
    }
}
