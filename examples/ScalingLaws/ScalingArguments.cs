using System.Globalization;

namespace ArML.Examples.ScalingLaws;

/// <summary>
/// Command line: --corpus PATH (UTF-8 text, one row per line; default: the embedded Markov source), --output PATH
/// (the PNG), --scale F (multiplies every run's iterations; 1 by default).
/// </summary>
internal sealed record ScalingArguments(string? CorpusPath, string OutputPath, double IterationScale)
{
    public static ScalingArguments Parse(string[] args)
    {
        string? corpus = null;
        string output = "scaling-law.png";
        double scale = 1;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--corpus" when i + 1 < args.Length: corpus = args[++i]; break;
                case "--output" when i + 1 < args.Length: output = args[++i]; break;
                case "--scale" when i + 1 < args.Length: scale = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"Unknown argument '{args[i]}'. Usage: [--corpus PATH] [--output PATH] [--scale F]");
            }
        }
        if (!(scale > 0)) throw new ArgumentOutOfRangeException(nameof(args), "--scale must be positive.");
        if (corpus != null && !File.Exists(corpus)) throw new FileNotFoundException($"Corpus file '{corpus}' does not exist.", corpus);
        return new ScalingArguments(corpus, output, scale);
    }
}
