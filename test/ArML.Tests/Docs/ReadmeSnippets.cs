// The README's C# blocks, line for line, so that the compiler checks them (ReadmeSnippetsTests checks that every
// line of every block stands here, in order). None of these methods is run: they need the README's files.
#pragma warning disable CS1998, CS0219, IDE0059 // snippets: an async method without await, unused locals
using ArML;
using ArML.Evaluators.ScalingLaws;
using ArML.Onnx;
using ArML.Persistence;
using ArML.Trainers;
using ArML.Trainers.Classification;
using ArML.Trainers.Density;
using ArML.Trainers.Generation;
using ArML.Trainers.Gpt;
using ArML.Trainers.NGram;
using ArML.Trainers.PixelCnn;
using ArML.Trainers.Preference;
using ArML.Trainers.VectorQuantization;
using ArML.Trainers.WaveNet;
using ArML.Transforms.Text;
using Microsoft.Extensions.AI;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Tokenizers;

namespace ArML.Tests.Docs;

internal static class ReadmeSnippets
{
    private static void APipelineInCSharp()
    {
var mlContext = new MLContext(seed: 1);
IDataView train = mlContext.Data.LoadFromTextFile<TextRow>("train.txt");   // one row per line
IDataView valid = mlContext.Data.LoadFromTextFile<TextRow>("valid.txt");

var pipeline = mlContext.Transforms.Text.TokenizeCharacters("Tokens", "Text")        // learns a character vocabulary
    .Append(mlContext.LanguageModeling().Trainers.Gpt(new GptTrainer.Options
    {
        TokenColumnName = "Tokens", ContextLength = 64, LayerCount = 4, HeadCount = 4, EmbeddingSize = 128,
        BatchSize = 16, MaxIterations = 2000, LearningRate = 1e-3,
    }));
var model = pipeline.Fit(train);

IDataView scored = model.Transform(valid);              // adds LogLikelihood, TokenCount, Perplexity per row
var metrics = mlContext.LanguageModeling().Evaluate(scored);
Console.WriteLine($"perplexity {metrics.Perplexity:F3}, {metrics.BitsPerToken:F3} bits/token");
Console.WriteLine(model.LastTransformer.Generate("the ", maxNewTokens: 100, temperature: 0.8, seed: 1));

mlContext.Model.SaveArml(model, train.Schema, "model.zip");
var loaded = mlContext.Model.LoadArml("model.zip", out var inputSchema);
    }

public class TextRow { [LoadColumn(0)] public string Text { get; set; } = ""; }

    private static void ClassifyingText(MLContext mlContext, IDataView unlabeled, IDataView labeled, IDataView validation, IDataView test)
    {
var lm = mlContext.Transforms.Text.TrainTokenizer("Tokens", "Text", new TokenizerTrainerOptions { VocabularySize = 2000 })
    .Append(mlContext.LanguageModeling().Trainers.Gpt(new GptTrainer.Options { ContextLength = 128 }))
    .Fit(unlabeled);                                                        // pretraining on text alone
var toKey = mlContext.Transforms.Conversion.MapValueToKey("Label", "Area").Fit(labeled);
var tokenizer = lm.First();                                                 // the language model's own tokenizer
var classifier = mlContext.MulticlassClassification.Trainers.GptClassifier(new GptClassifierOptions
    {
        InitialModel = lm.LastTransformer, AuxiliaryLanguageModelWeight = 0.5, MaxIterations = 500, LearningRate = 3e-4,
        BalanceClasses = true,                                              // rare classes weigh as much: for macro-accuracy
        ValidationSet = tokenizer.Transform(toKey.Transform(validation)), EarlyStoppingPatience = 4,
    })
    .Fit(tokenizer.Transform(toKey.Transform(labeled)));
var scored = classifier.Transform(tokenizer.Transform(toKey.Transform(test)));
var classes = mlContext.MulticlassClassification.Evaluate(scored);          // ML.NET's own evaluator
    }

    private static void AligningWithPreferences(MLContext mlContext, TransformerChain<LanguageModelTransformer> lm, IDataView preferences)
    {
var tokenizer = lm.First();                                                 // the language model's own tokenizer
IDataView pairs = preferences;                                              // text columns PromptText, ChosenText, RejectedText
foreach (var column in new[] { "Prompt", "Chosen", "Rejected" })            // each through the tokenizer, into its own keys
{
    var tokenized = tokenizer.Transform(mlContext.Transforms.CopyColumns("Text", column + "Text").Fit(pairs).Transform(pairs));
    pairs = mlContext.Transforms.CopyColumns(column, "Tokens").Fit(tokenized).Transform(tokenized);
}
var dpo = mlContext.LanguageModeling().Trainers.Dpo(new DpoOptions
    {
        InitialModel = lm.LastTransformer, Beta = 0.1, MaxIterations = 200, LearningRate = 1e-4,
    });
LanguageModelTransformer tuned = dpo.Fit(pairs);                            // the reference: the initial model, frozen
Console.WriteLine(dpo.Evaluate(tuned, pairs));                              // preference accuracy, reward margin, KL estimate
Console.WriteLine(tuned.Generate("Q: how do I ", maxNewTokens: 50, seed: 1));
var adapted = mlContext.LanguageModeling().Trainers.Dpo(new DpoOptions
    {
        InitialModel = lm.LastTransformer, Adapter = new LoraOptions { Rank = 8, Alpha = 16 }, LearningRate = 1e-3,
    }).Fit(pairs);                                                          // LoRA: the base stays frozen and is the reference
    }

    private static async Task GeneratingText(MLContext mlContext, TransformerChain<LanguageModelTransformer> model, IDataView data, CancellationToken ct)
    {
var generator = mlContext.LanguageModeling().CreateTextGenerator(model);   // finds tokenizer and language model, also in a loaded model
var options = new GenerationOptions { MaxNewTokens = 100, Temperature = 0.8, TopP = 0.95, StopSequences = ["\n"], Seed = 1 };
string text = generator.Generate("the ", options);                                     // the continuation only
var batch = generator.Generate(["the ", "a "], options);                               // GeneratedSequence: ids, text, finish reason
await foreach (string piece in generator.GenerateStreamingAsync("the ", options, cancellationToken: ct)) Console.Write(piece);
IChatClient chat = generator.AsChatClient();                                            // Microsoft.Extensions.AI
IDataView answers = mlContext.LanguageModeling().Generate("Answer", "Question", model, options).Fit(data).Transform(data);
    }

    private static void HuggingFace(MLContext mlContext, IDataView train, IDataView valid)
    {
var gpt2 = mlContext.LanguageModeling().LoadHuggingFace("gpt2");          // a directory: config.json, model.safetensors, tokenizer files
var perplexity = mlContext.LanguageModeling().Evaluate(gpt2.Transform(valid), textColumnName: "Text");
var tuned = mlContext.LanguageModeling().Trainers.Gpt(new GptTrainer.Options { ContextLength = 1024, MaxIterations = 200, LearningRate = 1e-4 })
    .Fit(gpt2.First().Transform(train), (LanguageModelTransformer)gpt2.LastTransformer);   // fine-tuning keeps the tokenizer
var tunedChain = new TransformerChain<ITransformer>(gpt2.First(), tuned);
tunedChain.SaveHuggingFace("gpt2-tuned");                                 // GPT2LMHeadModel.from_pretrained("gpt2-tuned") reads it
    }

    private static void Lora(MLContext mlContext, IDataView train)
    {
var gpt2 = mlContext.LanguageModeling().LoadHuggingFace("gpt2");
var baseModel = (LanguageModelTransformer)gpt2.LastTransformer;
var adapted = mlContext.LanguageModeling().Trainers.Gpt(new GptTrainer.Options
    {
        ContextLength = 1024, MaxIterations = 200, LearningRate = 1e-3,
        Adapter = new LoraOptions { Rank = 8, Alpha = 16, Dropout = 0.0, Targets = LoraTargets.Attention | LoraTargets.Mlp },
    })
    .Fit(gpt2.First().Transform(train), baseModel);                       // only the adapters train: gpt2's weights stay as they are
adapted.SaveArmlAdapters("tickets.lora.safetensors");                     // 4.7 MB, tied to gpt2's weights by their SHA-256
var attached = mlContext.LanguageModeling().LoadArmlAdapters(baseModel, "tickets.lora.safetensors");
var merged = adapted.MergeAdapters();                                     // folded in: a plain GPT, as fast as the base
    }

    private static void WaveNet(MLContext mlContext)
    {
var waveNet = mlContext.Transforms.MuLawEncode("Samples", "Audio")            // Vector<Single> in [-1, 1] → 256 levels
    .Append(mlContext.LanguageModeling().Trainers.WaveNet(new WaveNetTrainer.Options
    {
        TokenColumnName = "Samples", LayersPerCycle = 8, DilationCycles = 2,   // receptive field 1 + 2·255 = 511 samples
    }));
var toAudio = mlContext.Transforms.MuLawDecode("Decoded", "Samples");         // levels → samples in [-1, 1]
    }

    private static void NGrams(MLContext mlContext, IDataView train, IDataView valid)
    {
var ngram = mlContext.Transforms.Text.TokenizeCharacters("Tokens", "Text")
    .Append(mlContext.LanguageModeling().Trainers.NGram(new NGramTrainer.Options { Order = 7 }))   // modified Kneser-Ney
    .Fit(train);
var metrics = mlContext.LanguageModeling().Evaluate(ngram.Transform(valid));        // same columns as the GPT scorer
ngram.LastTransformer.ExportArpa("model.arpa");                                       // for KenLM, SRILM, decoders
var kenlm = mlContext.LanguageModeling().LoadArpa("other.arpa", ngram.First().Transform(valid).Schema["Tokens"]);
    }

    private static void AnomalyScoring(MLContext mlContext, IDataView normal, IDataView heldOutNormal, IDataView newLines, string text,
        double[] tokenSurprisals, LanguageModelTransformer gpt)
    {
var tokenizer = mlContext.Transforms.Text.TokenizeCharacters("Tokens", "Text").Fit(normal);
var ngram = mlContext.LanguageModeling().Trainers.NGram(new NGramTrainer.Options
{
    Order = 7,
    AnomalyScoring = new LanguageModelAnomalyOptions { TokenDiagnostics = true, ReferenceSet = tokenizer.Transform(heldOutNormal) },
}).Fit(tokenizer.Transform(normal));
IDataView scored = ngram.Transform(tokenizer.Transform(newLines));   // + Score, PredictedLabel, TokenSurprisals, TokenRanks, TopGMisses
var metrics = mlContext.AnomalyDetection.Evaluate(scored);           // with a Label column (Single, 1 = anomaly)
var spans = SurprisalSpans.Map(text, ngram.Codec!, tokenSurprisals);  // (Start, Length, Surprisal) of each token of one line
var detector = gpt.WithAnomalyScoring(tokenizer.Transform(heldOutNormal));   // any trained or loaded model, afterwards
    }

    private static void Evaluation(MLContext mlContext, IDataView scored, ITransformer modelA, ITransformer modelB, IDataView valid,
        LanguageModelTransformer gpt, IDataView tokens, (long Parameters, long Tokens, double Loss)[] runs, double largestCompute)
    {
var lm = mlContext.LanguageModeling();
var metrics = lm.Evaluate(scored, textColumnName: "Text");  // + bits per byte, byte and word perplexity
Console.WriteLine($"{metrics.Perplexity:F3} (95% CI {metrics.PerplexityInterval})  {metrics.BitsPerByte:F3} bits/byte");

var comparison = lm.Compare(modelA.Transform(valid), modelB.Transform(valid), textColumnName: "Text");   // same rows, same order
Console.WriteLine(comparison);   // e.g. "Perplexity A … − B … = …, A better in 97.0% of 1000 resamples, … compared per token"

var longContext = lm.Evaluate(gpt.WithScoringStride(1).Transform(tokens));   // every token with the full context

var fit = ScalingLaw.Fit(runs.Select(r => new ScalingPoint(ScalingLaw.TrainingCompute(r.Parameters, r.Tokens), r.Loss)));
Console.WriteLine($"{fit}; at 10x: {fit.Predict(10 * largestCompute)}");
    }

    private static void Serving(MLContext mlContext, LanguageModelTransformer gpt, IDataView train)
    {
gpt.ExportOnnx("scorer.onnx");                                                           // scoring graph
gpt.ExportOnnx("decoder", new OnnxExportOptions { Kind = OnnxGraphKind.Decoder });      // ONNX Runtime GenAI folder
var onnxChain = mlContext.Transforms.Text.TokenizeIntoCharactersAsKeys("Tokens", "Text")
    .Append(mlContext.LanguageModeling().ToOnnxScorer(gpt, "scorer-keys.onnx"))
    .Fit(train);
mlContext.Model.Save(onnxChain, train.Schema, "scorer.zip");   // plain ML.NET: the graph travels inside the zip

// Byte-level BPE too: the graph reads the text column and tokenizes it (ONNX Runtime Extensions' GPT2Tokenizer).
mlContext.UseOnnxRuntimeExtensions();                            // on every context that fits or loads such a chain
var hf = mlContext.LanguageModeling().LoadHuggingFace("gpt2");
var textScorer = mlContext.LanguageModeling()
    .ToOnnxScorer((TokenizerTransformer)hf.First(), (LanguageModelTransformer)hf.LastTransformer, "scorer-text.onnx")
    .Fit(train);
mlContext.Model.Save(textScorer, train.Schema, "text-scorer.zip");
    }

    private static void Tokenizers(MLContext mlContext)
    {
// Pretrained, offline (Microsoft.ML.Tokenizers' Data packages): gpt2, r50k_base, cl100k_base, o200k_base.
var gpt2 = mlContext.Transforms.Text.TokenizeToIds("Tokens", "Text", "gpt2",
    new TokenizeOptions { EndOfSequenceToken = "<|endoftext|>", MaximumTokenCount = 1024, Truncation = TruncationPolicy.KeepStart });
// Any tokenizer: TiktokenTokenizer.CreateForModel("gpt-4o"), BpeVocabulary.FromFiles("vocab.json", "merges.txt").Tokenizer, ...
var mine = mlContext.Transforms.Text.TokenizeToIds("Tokens", "Text", TiktokenTokenizer.CreateForModel("gpt-4o"));
// Learned in Fit: ByteLevelBpe (GPT-2 style), Word or Character.
var bpe = mlContext.Transforms.Text.TrainTokenizer("Tokens", "Text",
    new TokenizerTrainerOptions { Kind = TokenizerKind.ByteLevelBpe, VocabularySize = 8192, SpecialTokens = ["<|endoftext|>"] });
// Back to text with the vocabulary of the tokenizer that produced the column.
var decode = mlContext.Transforms.Text.DecodeTokens("Decoded", "Tokens");
    }

    private static void DensityEstimation(MLContext mlContext, IDataView train, IDataView valid, IDataView test)
    {
var pipeline = mlContext.Transforms.Concatenate("Features", "A", "B", "C")
    .Append(mlContext.DensityEstimation().Trainers.Made(new MadeOptions
    {
        Distribution = OutputDistribution.GaussianMixture, HiddenLayerSizes = [500], MaskCount = 8,
        EarlyStoppingPatience = 5,
    }));
var model = pipeline.Fit(train, valid);        // valid (columns A, B, C) goes through Concatenate to MADE's validation
IDataView scored = model.Transform(test);      // adds LogLikelihood, TokenCount, Score, PredictedLabel
var anomalies = mlContext.AnomalyDetection.Evaluate(scored);              // with a Single label column "Label"
var nats = mlContext.LanguageModeling().Evaluate(scored).CrossEntropy;    // nats per value
float[][] samples = model.LastTransformer.Sample(16, seed: 1);             // ancestral sampling
    }

    private static void PixelCnn(MLContext mlContext)
    {
var pixelCnn = mlContext.DensityEstimation().Trainers.PixelCnn(new PixelCnnOptions
{
    FeatureColumnName = "Pixels", Height = 28, Width = 28, Layers = 5, Filters = 32,
    Distribution = OutputDistribution.Bernoulli,   // Categorical with CategoryCount = 256 for 8-bit pixels
});
    }

    private static void ImageTokens(MLContext mlContext, IDataView train)
    {
var quantizer = mlContext.Transforms.VectorQuantize(new VectorQuantizerOptions
{
    InputColumnName = "Pixels", OutputColumnName = "Codes", Height = 28, Width = 28,   // 7 × 7 codes
    CodebookSize = 64, MaxTime = TimeSpan.FromMinutes(2),
});
var prior = mlContext.LanguageModeling().Trainers.Gpt(new GptTrainer.Options
{
    TokenColumnName = "Codes", ContextLength = 50, BatchLayout = BatchLayout.RowAligned,
});
var model = quantizer.Append(prior).Fit(train);
var vq = (VectorQuantizingTransformer)model.First();
Console.WriteLine(vq.Metrics);                            // reconstruction error, code perplexity, codes used
int[] codes = model.LastTransformer.GenerateTokens([], maxNewTokens: vq.CodeCount, seed: 1);
float[] image = vq.Decode(codes);                         // 784 values
mlContext.Model.SaveArml(model, train.Schema, "image-prior.arml");
// The inverse transform: a codes column (keys, or Single codes a density model sampled) to images.
var decoder = mlContext.Transforms.VectorDequantize("Image", vq).Fit(vq.Transform(train));
// A PixelCNN over the 7 × 7 code grid as the prior: categorical over the K codes, read from the key column.
var pixelPrior = mlContext.DensityEstimation().Trainers.PixelCnn(new PixelCnnOptions
{
    FeatureColumnName = "Codes", Height = 7, Width = 7, Distribution = OutputDistribution.Categorical, CategoryCount = 64,
}).Fit(vq.Transform(train));
float[][] sampledGrids = pixelPrior.Sample(16, seed: 1);  // codes 0 … 63 as Single: VectorDequantize reads them too
    }
}
