using System.Text.Json;
using ArML.Persistence;
using ArML.Tests.Support;
using ArML.Trainers;
using ArML.Trainers.Gpt;
using ArML.Transforms.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;
using static TorchSharp.torch;

namespace ArML.Tests.Trainers.HuggingFace;

/// <summary>
/// Hugging Face's tiny-random-gpt2 (../shared/models/tiny-random-gpt2) against the reference log-probabilities and
/// greedy continuations its README describes (an independent float64 PyTorch forward). Its tokenizer has 50,257 ids
/// but the model 1,000, so the model is checked at id level.
/// </summary>
public class TinyRandomGpt2Tests
{
    private static readonly HuggingFaceOptions Options = new() { IgnoreAddedTokens = true };

    // Loaded once for the class (reading the 50,257-token tokenizer dominates); the small model lives as long as the process.
    private static readonly Lazy<TransformerChain<ITransformer>> Loaded =
        new(() => new MLContext(seed: 1).LanguageModeling().LoadHuggingFace(SharedData.PathOrSkip("models/tiny-random-gpt2"), Options));

    private static (TransformerChain<ITransformer> Chain, LanguageModelTransformer Model, GptLanguageModel Gpt) Load(string directory)
    {
        var chain = Loaded.Value;
        var model = (LanguageModelTransformer)chain.LastTransformer;
        return (chain, model, (GptLanguageModel)model.Model);
    }

    // The model ids of Hugging Face ids (the end-of-text id 98 is ArML's separator, the last id).
    private static int[] ModelIds(LanguageModelTransformer model, IEnumerable<int> ids) => ids.Select(model.KeyMap.ToModelId).ToArray();

    [SkippableFact]
    public void ReproducesTheReferenceLogSoftmaxAndLogLikelihoods()
    {
        string directory = SharedData.PathOrSkip("models/tiny-random-gpt2");
        using var reference = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(directory, "reference", "reference.json")));
        var (chain, model, gpt) = Load(directory);
        foreach (var sequence in reference.RootElement.GetProperty("sequences").EnumerateArray())
        {
            var ids = sequence.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var expected = sequence.GetProperty("token_log_probs").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            var framed = ModelIds(model, ids);
            var logLikelihood = new double[1];
            var counts = new int[1];
            var perToken = new double[1][];
            gpt.ScoreFramed([framed], [framed.Length], [1], gpt.ContextLength, logLikelihood, counts, perToken);
            Assert.Equal(expected.Length, counts[0]);
            for (int t = 0; t < expected.Length; t++) Assert.True(Math.Abs(expected[t] - perToken[0][t]) <= 1e-4, $"token {t + 1}: {perToken[0][t]} vs {expected[t]}");
            Assert.Equal(sequence.GetProperty("log_likelihood").GetDouble(), logLikelihood[0], 1e-3);

            var lastExpected = sequence.GetProperty("last_log_softmax").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            var logits = RandomGpt.LastLogits(gpt, framed).Select(v => (double)v).ToArray();
            var lastActual = Gpt2Reference.LogSoftmax(logits);
            for (int id = 0; id < 1000; id++)
                Assert.True(Math.Abs(lastExpected[id] - lastActual[model.KeyMap.ToModelId(id)]) <= 1e-4, $"id {id}");
        }
    }

    [SkippableFact]
    public void ReproducesTheReferenceGreedyContinuations()
    {
        string directory = SharedData.PathOrSkip("models/tiny-random-gpt2");
        using var reference = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(directory, "reference", "reference.json")));
        var (chain, model, gpt) = Load(directory);
        foreach (var run in reference.RootElement.GetProperty("greedy").EnumerateArray())
        {
            var sequence = ModelIds(model, run.GetProperty("prompt").EnumerateArray().Select(e => e.GetInt32())).ToList();
            var expected = run.GetProperty("new_tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var produced = new List<int>();
            for (int step = 0; step < expected.Length; step++)
            {
                var logits = RandomGpt.LastLogits(gpt, sequence);
                int next = Array.IndexOf(logits, logits.Max());
                sequence.Add(next);
                produced.Add(next == gpt.SeparatorId ? 98 : model.KeyMap.ToColumnId(next));
            }
            Assert.Equal(expected, produced);
        }
    }

    [SkippableFact]
    public void TheTokenizerGivesGpt2sIds()
    {
        string directory = SharedData.PathOrSkip("models/tiny-random-gpt2");
        var (chain, model, _) = Load(directory);
        var tokenizer = (TokenizerTransformer)chain.First();
        // tiktoken's gpt2 encoding has Python GPT-2's ids on ordinary text; the folder's vocab.json + merges.txt must agree.
        var gpt2 = TiktokenVocabulary.Get("gpt2");
        foreach (string text in new[] { "Hello world!", "  leading spaces and 123 numbers\n", "naïve café — ünïcödé 🙂", "<|endoftext|> as text", "" })
            Assert.Equal(gpt2.Encode(text), tokenizer.Vocabulary.Encode(text));
        Assert.Equal(50257, model.KeyCount);
        Assert.Equal("<|endoftext|>", tokenizer.Vocabulary.GetToken(50256));
        Assert.True(tokenizer.Vocabulary.IsSpecial(50256));
    }

    [SkippableFact]
    public void RefusesTheAddedWhitespaceTokensUnlessTold()
    {
        string directory = SharedData.PathOrSkip("models/tiny-random-gpt2");
        var e = Assert.Throws<ArmlModelFormatException>(() => new MLContext().LanguageModeling().LoadHuggingFace(directory));
        Assert.Contains("IgnoreAddedTokens", e.Message);
    }
}
