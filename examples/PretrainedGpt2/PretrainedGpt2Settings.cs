using System.Globalization;

namespace ArML.Examples.PretrainedGpt2;

/// <summary>What one run does. The defaults suit gpt2 (124M) on a few CPU cores; tests use tiny sizes.</summary>
/// <param name="ModelDirectory">A Hugging Face GPT-2 directory (config.json, model.safetensors, tokenizer files); null prints how to get one.</param>
/// <param name="TextFile">Text to score and fine-tune on (one row per non-empty line); null uses built-in paragraphs.</param>
/// <param name="Prompt">Prompt of the generated sample.</param>
/// <param name="Steps">Fine-tuning steps (0 skips fine-tuning).</param>
/// <param name="ContextLength">Positions the model attends over when scoring, generating and fine-tuning (a warm start keeps
/// the model's positions, so one figure serves all three); 0 keeps the checkpoint's n_positions. An export then holds this many.</param>
/// <param name="BatchSize">Fine-tuning windows per step.</param>
/// <param name="LearningRate">Peak fine-tuning learning rate.</param>
/// <param name="MaxNewTokens">Tokens generated from the prompt.</param>
/// <param name="Seed">Seed of ML.NET, the sampler and the fine-tuning batches.</param>
/// <param name="ExportDirectory">Where the fine-tuned model is written in the Hugging Face layout; null writes nothing.</param>
/// <param name="IgnoreAddedTokens">Accept a tokenizer whose added tokens lie outside its BPE vocabulary (they are then text).</param>
public sealed record PretrainedGpt2Settings(string? ModelDirectory = null, string? TextFile = null, string Prompt = "The history of",
    int Steps = 20, int ContextLength = 256, int BatchSize = 4, double LearningRate = 1e-4, int MaxNewTokens = 40, int Seed = 1,
    string? ExportDirectory = null, bool IgnoreAddedTokens = false)
{
    /// <summary>The command line, printed with the download instructions and with argument errors.</summary>
    public const string Usage =
        "Usage: dotnet run -c Release --project examples/PretrainedGpt2 -- --model DIR [--text FILE] [--prompt TEXT] [--steps N]\n" +
        "         [--context N] [--batch N] [--learning-rate X] [--max-new-tokens N] [--seed N] [--export DIR] [--ignore-added-tokens]\n" +
        "  --context N            positions attended over (default 256, which keeps CPU fine-tuning short; 0: the checkpoint's).\n" +
        "  --ignore-added-tokens  needed for tokenizers that add tokens outside their BPE vocabulary (e.g. tiny-random-gpt2);\n" +
        "                         those tokens' strings are then ordinary text. tiny-random-gpt2's model also covers only the\n" +
        "                         first 1,000 of its tokenizer's ids: its text and prompt must stay within them (an error names the row).";

    /// <summary>Reads the arguments of <see cref="Usage"/>.</summary>
    /// <exception cref="ArgumentException">An unknown argument, a missing value or a value out of range.</exception>
    public static PretrainedGpt2Settings Parse(string[] args)
    {
        var settings = new PretrainedGpt2Settings();
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (name == "--ignore-added-tokens")
            {
                settings = settings with { IgnoreAddedTokens = true };
                continue;
            }
            if (i + 1 >= args.Length) throw new ArgumentException($"Argument '{name}' needs a value.\n{Usage}");
            string value = args[++i];
            settings = name switch
            {
                "--model" => settings with { ModelDirectory = value },
                "--text" => settings with { TextFile = value },
                "--prompt" => settings with { Prompt = value },
                "--steps" => settings with { Steps = Integer(name, value, minimum: 0) },
                "--context" => settings with { ContextLength = Integer(name, value, minimum: 0) },
                "--batch" => settings with { BatchSize = Integer(name, value, minimum: 1) },
                "--learning-rate" => settings with { LearningRate = Positive(name, value) },
                "--max-new-tokens" => settings with { MaxNewTokens = Integer(name, value, minimum: 1) },
                "--seed" => settings with { Seed = Integer(name, value, minimum: 0) },
                "--export" => settings with { ExportDirectory = value },
                _ => throw new ArgumentException($"Unknown argument '{name}'.\n{Usage}"),
            };
        }
        return settings;
    }

    private static int Integer(string name, string value, int minimum) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int parsed) && parsed >= minimum
            ? parsed
            : throw new ArgumentException($"Argument '{name}' needs an integer ≥ {minimum}, not '{value}'.\n{Usage}");

    private static double Positive(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) && parsed > 0 && double.IsFinite(parsed)
            ? parsed
            : throw new ArgumentException($"Argument '{name}' needs a positive number, not '{value}'.\n{Usage}");
}
