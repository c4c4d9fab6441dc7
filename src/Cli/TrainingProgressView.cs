using ArML.Training;
using Spectre.Console;

namespace ArML.Cli;

/// <summary>
/// Shows <see cref="TrainingProgress"/> reports: a Spectre.Console progress bar (loss, validation loss, tokens/s, ETA)
/// on a terminal, one plain line per report otherwise. Reports arrive synchronously on the training thread.
/// </summary>
internal sealed class TrainingProgressView : IProgress<TrainingProgress>
{
    private readonly CliOutput _output;
    private ProgressTask? _task;

    private TrainingProgressView(CliOutput output) => _output = output;

    /// <summary>The latest report, for the final summary and the interruption message.</summary>
    public TrainingProgress? Last { get; private set; }

    /// <summary>Runs <paramref name="train"/> with a view attached; the bar (if any) is removed when it returns or throws.</summary>
    public static T Run<T>(CliOutput output, string title, Func<TrainingProgressView, T> train)
    {
        var view = new TrainingProgressView(output);
        if (!output.Interactive) return train(view);
        T result = default!;
        output.ErrorConsole().Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
            .Start(context =>
            {
                view._task = context.AddTask(Markup.Escape(title), maxValue: 1);
                result = train(view);
                view._task.Value = view._task.MaxValue;
            });
        return result;
    }

    public void Report(TrainingProgress value)
    {
        Last = value;
        if (_task == null)
        {
            _output.Note(value.ToString());
            return;
        }
        _task.MaxValue = Math.Max(value.MaxIterations, 1);
        _task.Value = value.Iteration;
        string validation = value.ValidationLoss is double v ? $" val {v:F3}" : "";
        _task.Description = Markup.Escape(
            $"iter {value.Iteration}/{value.MaxIterations} loss {value.Loss:F3}{validation} {value.TokensPerSecond:N0} tok/s ETA {value.EstimatedRemaining:hh\\:mm\\:ss}");
    }
}
