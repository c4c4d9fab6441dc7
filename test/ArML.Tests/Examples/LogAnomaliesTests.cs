using ArML.Examples.LogAnomalies;
using Xunit;

namespace ArML.Tests.Examples;

public sealed class LogAnomaliesTests
{
    [Fact]
    public void TheLogStreamIsSeededAndInjectsEveryKind()
    {
        var start = new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        var first = new LogStream(3, start).Lines(2000, anomalyRate: 0.05).ToArray();
        var again = new LogStream(3, start).Lines(2000, anomalyRate: 0.05).ToArray();
        Assert.Equal(first.Select(l => l.Text), again.Select(l => l.Text));
        Assert.Equal([LogStream.OutOfOrder, LogStream.UnknownTemplate, LogStream.UnusualParameter],
            first.Where(l => l.Label > 0).Select(l => l.Kind).Distinct().Order());
        Assert.All(first, l => Assert.Equal(l.Kind != "normal", l.Label > 0));
        // No anomaly text is ever a normal line: every normal session change follows the lifecycle.
        var normalTexts = first.Where(l => l.Label == 0).Select(l => l.Text).ToHashSet();
        Assert.DoesNotContain(first.Where(l => l.Label > 0), l => normalTexts.Contains(l.Text));
        Assert.All(first.Where(l => l.Label == 0 && l.Text.Contains(" state ")), l => Assert.Matches(
            "state (NEW -> AUTH|AUTH -> ACTIVE|ACTIVE -> IDLE|ACTIVE -> CLOSED|IDLE -> ACTIVE|IDLE -> CLOSED)$", l.Text));
        Assert.Equal(0, new LogStream(3, start).Lines(500).Count(l => l.Label > 0));
    }

    [Fact]
    public void TheExampleRunsWithTinySizes()
    {
        var output = new StringWriter();
        var settings = LogAnomalySettings.Parse(["--train", "200", "--reference", "40", "--test", "150", "--iterations", "2", "--shown", "2"]);
        var reports = LogAnomalyExperiment.Run(settings with { AnomalyRate = 0.1 }, output);
        Assert.Equal(["n-gram (order 7)", "LSTM", "GPT"], reports.Select(r => r.Name));
        Assert.All(reports, r => Assert.InRange(r.Auc, 0, 1));
        Assert.All(reports, r => Assert.InRange(r.PrecisionAtK, 0, 1));
        string text = output.ToString();
        Assert.Contains("Most surprising held-out lines under the GPT", text);
        Assert.Contains("P@10", text);
        Assert.Throws<ArgumentException>(() => LogAnomalySettings.Parse(["--train"]));
    }
}
