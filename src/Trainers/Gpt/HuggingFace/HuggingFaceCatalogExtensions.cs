using ArML.Data;
using ArML.Persistence;
using ArML.Torch;
using ArML.Trainers;
using ArML.Trainers.Gpt;
using ArML.Trainers.Gpt.HuggingFace;
using ArML.Transforms.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using ArML.Trainers.Generation;

namespace ArML;

/// <summary>Hugging Face GPT-2 checkpoints in and out: <c>mlContext.LanguageModeling().LoadHuggingFace</c> and <c>SaveHuggingFace</c>.</summary>
public static class HuggingFaceCatalogExtensions
{
    /// <summary>
    /// Loads a Hugging Face GPT-2 directory (config.json, model.safetensors or a sharded model.safetensors.index.json,
    /// and the tokenizer files, as transformers saves a GPT2LMHeadModel) as a chain text → tokens →
    /// <see cref="LanguageModelTransformer"/>, which scores, evaluates, generates, fine-tunes
    /// (<c>Trainers.Gpt(...).Fit(tokens, chain.LastTransformer)</c>) and saves with <c>SaveArml</c> as any ArML model.
    /// </summary>
    /// <remarks>
    /// <para>Rows are framed as <c>&lt;|endoftext|&gt; t₁ … tₙ &lt;|endoftext|&gt;</c> (eos_token_id): every token is
    /// predicted from the end-of-text before it, and the final end-of-text is predicted too, as lm-evaluation-harness
    /// frames rolling log-likelihoods. So TokenCount = n + 1. <see cref="HuggingFaceOptions.PrependEndOfText"/> and
    /// <see cref="HuggingFaceOptions.AppendEndOfText"/> leave either end-of-text out (TokenCount n, or max(0, n − 1)
    /// without both: Hugging Face's perplexity recipe). Rows longer than the context are scored in windows that
    /// advance by <see cref="HuggingFaceOptions.ScoringStride"/>, each token once with at least context − stride tokens
    /// before it (Hugging Face's perplexity recipe).</para>
    /// <para>The token column's ids are the Python tokenizer's ids on ordinary text; a special token's string inside a
    /// row is encoded as text (as tiktoken's encode_ordinary). Nothing in the directory is executed: pickled weights
    /// (pytorch_model.bin) are refused with the command that converts them.</para>
    /// </remarks>
    /// <param name="catalog">The language modeling catalog.</param>
    /// <param name="directory">The model directory.</param>
    /// <param name="options">Columns, context, precision, stride; null for the defaults.</param>
    /// <exception cref="ArmlModelFormatException">The directory is not a GPT-2 checkpoint ArML can reproduce; the message names the file and the field or tensor.</exception>
    public static TransformerChain<ITransformer> LoadHuggingFace(this LanguageModelingCatalog catalog, string directory, HuggingFaceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        options ??= new HuggingFaceOptions();
        ArgumentException.ThrowIfNullOrEmpty(options.InputColumnName, nameof(options.InputColumnName));
        ArgumentException.ThrowIfNullOrEmpty(options.TokenColumnName, nameof(options.TokenColumnName));
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"Model directory '{directory}' does not exist.");
        var config = HuggingFaceGpt2Config.Read(directory);
        var m = config.Model;
        int context = options.MaximumContextLength ?? m.ContextLength;
        if (context < 1 || context > m.ContextLength)
            throw new ArgumentOutOfRangeException(nameof(options), $"MaximumContextLength must be in 1..{m.ContextLength} (n_positions), but is {context}.");
        int stride = options.ScoringStride ?? Math.Max(1, context / 2);
        if (stride < 1 || stride > context) throw new ArgumentOutOfRangeException(nameof(options), $"ScoringStride must be in 1..{context}, but is {stride}.");
        if (options.ScoringBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), "ScoringBatchSize must be at least 1.");

        // The tokenizer (GPT-2's 50k-entry vocab.json and merges.txt) is built on another thread while the weights
        // stream in; its errors still come first, as when the files were read one after the other.
        var tokenizerFiles = Task.Run(() => HuggingFaceTokenizerFiles.Read(directory, options.IgnoreAddedTokens));
        (BpeVocabulary Vocabulary, int EndOfText) Tokenizer()
        {
            var (vocabulary, endOfTextToken) = tokenizerFiles.GetAwaiter().GetResult();
            int endOfText = config.EndOfTextId ?? (endOfTextToken != null ? vocabulary.BpeTokenizer.Vocabulary[endOfTextToken] : -1);
            if (endOfText < 0 || endOfText >= m.VocabularySize)
                throw new ArmlModelFormatException($"'{directory}' names no end-of-text id within the model's {m.VocabularySize} ids (config.json eos_token_id).");
            if (endOfText >= vocabulary.VocabularySize)
                throw new ArmlModelFormatException($"config.json's eos_token_id {endOfText} is outside the tokenizer's {vocabulary.VocabularySize} ids.");
            return (vocabulary, endOfText);
        }

        GptModel model;
        try
        {
            // Only without config.json's eos_token_id must the weights (whose end-of-text row moves) wait for the tokenizer.
            int endOfText = config.EndOfTextId is int id && id >= 0 && id < m.VocabularySize ? id : Tokenizer().EndOfText;
            using var checkpoint = HuggingFaceCheckpoint.Open(directory);
            TorchRuntime.EnsureInitialized();
            model = HuggingFaceGpt2Weights.Load(checkpoint, m, context, endOfText);
        }
        catch
        {
            _ = Tokenizer();
            throw;
        }
        try
        {
            var (vocabulary, endOfText) = Tokenizer();
            var device = TorchRuntime.SelectDevice(catalog.Context);
            model.to(device);
            model.ComputeType = HardwarePrecision.Resolve(options.Precision, device);
            var layout = new TokenIdLayout(m.VocabularySize - 1, 0)
                { StartsWithSeparator = options.PrependEndOfText, EndsWithSeparator = options.AppendEndOfText };
            var keyMap = TokenKeyMap.WithSeparator(vocabulary.VocabularySize, layout.TokenKeyCount, endOfText);
            var keyValues = Enumerable.Range(0, vocabulary.VocabularySize).Select(vocabulary.GetToken).ToArray();
            var language = new LanguageModelTransformer(new GptLanguageModel(model, layout, device),
                new LanguageModelColumns(options.TokenColumnName, null, options.TokenLogProbabilities), keyValues,
                options.ScoringBatchSize, stride, keyMap, vocabulary, shortcutSeeds: GenerationSeedSource.Draw(catalog.Context));
            var tokenizer = new TokenizerTransformer(options.TokenColumnName, options.InputColumnName, vocabulary, new TokenizeOptions());
            return new TransformerChain<ITransformer>(tokenizer, language);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes <paramref name="model"/> as a Hugging Face GPT-2 directory (config.json, generation_config.json,
    /// model.safetensors, vocab.json, merges.txt, tokenizer.json, tokenizer_config.json, special_tokens_map.json)
    /// that transformers loads with <c>GPT2LMHeadModel.from_pretrained</c> and <c>AutoTokenizer.from_pretrained</c>,
    /// scoring as ArML does. The tokenizer is the model's own (<see cref="LanguageModelTransformer.Codec"/>).
    /// </summary>
    /// <remarks>
    /// GPT-2's format has one vocabulary for tokenizer and model, framed by an end-of-text token: a model loaded with
    /// <see cref="LoadHuggingFace"/> (fine-tuned or not) exports exactly. Features GPT-2 cannot express are refused,
    /// naming them: rotary positions, layers without biases, a condition column, ArML's compact training vocabulary
    /// (seen keys plus an unknown token, with ArML's own separator), and tokenizers other than byte-level BPE.
    /// </remarks>
    /// <exception cref="NotSupportedException">The model has a feature GPT-2's format cannot express; the message names it.</exception>
    public static void SaveHuggingFace(this LanguageModelTransformer model, string directory)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        HuggingFaceExport.Save(model, model.Codec as TokenVocabulary, directory);
    }

    /// <summary>
    /// Writes the GPT language model of a chain (as <see cref="LoadHuggingFace"/>, a pipeline's Fit or LoadArml return)
    /// with the ArML tokenizer that produces its token column; see <see cref="SaveHuggingFace(LanguageModelTransformer, string)"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The chain holds no language model.</exception>
    /// <exception cref="NotSupportedException">The model has a feature GPT-2's format cannot express; the message names it.</exception>
    public static void SaveHuggingFace(this ITransformer chain, string directory)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var parts = ModelFlattening.Flatten(chain);
        var model = parts.OfType<LanguageModelTransformer>().LastOrDefault()
            ?? throw new ArgumentException("The chain holds no LanguageModelTransformer.", nameof(chain));
        var tokenizer = parts.OfType<TokenizerTransformer>().LastOrDefault(t => t.OutputColumnName == model.TokenColumnName);
        HuggingFaceExport.Save(model, tokenizer?.Vocabulary ?? model.Codec as TokenVocabulary, directory);
    }
}
