using System.Text;
using System.Text.Json;
using ArML.Examples.PretrainedGpt2;
using ArML.Tests.Support;
using ArML.Trainers.Gpt;
using Microsoft.ML;
using Xunit;

namespace ArML.Tests.Examples;

/// <summary>
/// The PretrainedGpt2 example end to end on Hugging Face's tiny-random-gpt2 (../shared/models/tiny-random-gpt2): its model
/// covers only the first 1,000 of its tokenizer's 50,257 ids, so the text is made of words that are single tokens below
/// 1,000, which also lets the test count tokens independently from vocab.json.
/// </summary>
public sealed class PretrainedGpt2Tests : IDisposable
{
    private static readonly string[] Lines =
    [
        "he was not at the one and we can go to the one in this or that",
        "he said that it was the end of all that we have and are",
        "he will be with you by the time they go on from this",
        "he has not been there for all of us but we can see it",
        "he is on his way to the man who was at the end",
        "he can do it if you are with him and they will not be",
        "he had not been the one they were with in the end",
        "he was the first to go and we have all been there",
        "he said it was all of the time and they said it was not",
        "he will go with you to the one who has it",
    ];

    private readonly string _root = Path.Combine(Path.GetTempPath(), "arml-pretrained-" + Guid.NewGuid().ToString("N"));

    public PretrainedGpt2Tests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [SkippableFact]
    public void TheExampleScoresSamplesFineTunesAndExportsTinyRandomGpt2()
    {
        string model = SharedData.PathOrSkip("models/tiny-random-gpt2");
        // Independent token count: every word is one vocab.json entry (the first word of a row without the space mark),
        // and a row is framed <|endoftext|> t1 … tn <|endoftext|>, n + 1 predicted tokens.
        using var vocabulary = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(model, "vocab.json")));
        long expectedTokens = 0;
        foreach (string line in Lines)
        {
            var words = line.Split(' ');
            for (int i = 0; i < words.Length; i++)
                Assert.True(vocabulary.RootElement.GetProperty((i == 0 ? "" : "\u0120") + words[i]).GetInt32() < 1000, words[i]);
            expectedTokens += words.Length + 1;
        }
        string text = Path.Combine(_root, "text.txt");
        File.WriteAllLines(text, Lines);
        string export = Path.Combine(_root, "export");
        var output = new StringWriter();
        var settings = PretrainedGpt2Settings.Parse(["--model", model, "--text", text, "--prompt", "he said that", "--steps", "8", "--context", "32",
            "--batch", "4", "--learning-rate", "3e-3", "--max-new-tokens", "6", "--export", export, "--ignore-added-tokens"]);

        var report = PretrainedGpt2Run.Run(settings, output);

        Assert.Equal(Lines.Length, report.Text.RowCount);
        Assert.Equal(expectedTokens, report.Text.TokenCount);
        Assert.Equal(Lines.Sum(l => (long)Encoding.UTF8.GetByteCount(l)), report.Text.ByteCount);
        Assert.Equal(2, report.ValidationBefore.RowCount);   // the last fifth is held out
        Assert.NotNull(report.ValidationAfter);
        Assert.True(report.ValidationAfter.Perplexity < 0.8 * report.ValidationBefore.Perplexity,
            $"held-out perplexity {report.ValidationBefore.Perplexity} before, {report.ValidationAfter.Perplexity} after");
        Assert.False(string.IsNullOrEmpty(report.Sample));
        string printed = output.ToString();
        Assert.Contains("bits/byte", printed);
        Assert.Contains("iter 8/8", printed);   // the trainer's progress lines

        // config.json keeps the checkpoint's end-of-text id (98, an ordinary byte token); the tokenizer files keep the tokenizer's own.
        using (var config = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(export, "config.json"))))
            Assert.Equal(98, config.RootElement.GetProperty("eos_token_id").GetInt32());
        using (var special = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(export, "special_tokens_map.json"))))
            Assert.Equal("<|endoftext|>", special.RootElement.GetProperty("eos_token").GetString());

        // The export loads back as a Hugging Face directory and scores the held-out rows as the fine-tuned model did.
        var mlContext = new MLContext(seed: 1);
        using var reloaded = mlContext.LanguageModeling().LoadHuggingFace(export, new HuggingFaceOptions { IgnoreAddedTokens = true });
        var held = mlContext.Data.LoadFromEnumerable(Lines[^2..].Select(l => new ArML.Examples.PretrainedGpt2.TextRow { Text = l }).ToArray());
        var again = mlContext.LanguageModeling().Evaluate(reloaded.Transform(held), textColumnName: "Text");
        Assert.Equal(report.ValidationAfter.NegativeLogLikelihood, again.NegativeLogLikelihood);
    }

    [Fact]
    public void WithoutAModelTheHelpSaysHowToDownloadGpt2()
    {
        var settings = PretrainedGpt2Settings.Parse([]);
        Assert.Null(settings.ModelDirectory);
        Assert.Contains("huggingface-cli download gpt2", PretrainedGpt2Run.DownloadHelp);
        Assert.Contains("--model gpt2", PretrainedGpt2Run.DownloadHelp);
        Assert.Contains("--ignore-added-tokens", PretrainedGpt2Settings.Usage);
        Assert.Throws<ArgumentException>(() => PretrainedGpt2Run.Run(settings, TextWriter.Null));
        Assert.Throws<ArgumentException>(() => PretrainedGpt2Settings.Parse(["--steps"]));
        Assert.Throws<ArgumentException>(() => PretrainedGpt2Settings.Parse(["--steps", "-1"]));
        Assert.Throws<ArgumentException>(() => PretrainedGpt2Settings.Parse(["--unknown", "1"]));
    }
}
