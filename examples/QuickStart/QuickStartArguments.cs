namespace ArML.Examples.QuickStart;

/// <summary>Command line: --corpus PATH (UTF-8 text, one row per line), --iterations N.</summary>
internal sealed record QuickStartArguments(string? CorpusPath, int Iterations)
{
    public static QuickStartArguments Parse(string[] args)
    {
        string? corpus = null;
        int iterations = 1800;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--corpus" when i + 1 < args.Length: corpus = args[++i]; break;
                case "--iterations" when i + 1 < args.Length: iterations = int.Parse(args[++i]); break;
                default: throw new ArgumentException($"Unknown argument '{args[i]}'. Usage: [--corpus PATH] [--iterations N]");
            }
        }
        if (corpus != null && !File.Exists(corpus)) throw new FileNotFoundException($"Corpus file '{corpus}' does not exist.", corpus);
        return new QuickStartArguments(corpus, iterations);
    }
}
