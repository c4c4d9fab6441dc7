// ArML PretrainedGpt2: start from a pretrained Hugging Face GPT-2. Scores a text's perplexity per token and per byte,
// samples a continuation of a prompt (top-p, seeded), fine-tunes briefly on the text and compares the held-out
// perplexity before and after, and optionally exports the fine-tuned model back to the Hugging Face layout.
// Usage: dotnet run -c Release --project examples/PretrainedGpt2 -- --model DIR [--text FILE] [--prompt TEXT] [--steps N]
//        [--context N] [--batch N] [--learning-rate X] [--max-new-tokens N] [--seed N] [--export DIR] [--ignore-added-tokens]
// Without --model it prints how to download gpt2 once and exits with code 2 (a usage error: nothing was run);
// a bad argument also exits with 2.
using ArML.Examples.PretrainedGpt2;

PretrainedGpt2Settings settings;
try
{
    settings = PretrainedGpt2Settings.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
if (settings.ModelDirectory is null)
{
    Console.WriteLine(PretrainedGpt2Run.DownloadHelp);
    Console.WriteLine(PretrainedGpt2Settings.Usage);
    return 2;
}
var clock = System.Diagnostics.Stopwatch.StartNew();
PretrainedGpt2Run.Run(settings, Console.Out);
Console.WriteLine($"Total wall time {clock.Elapsed.TotalSeconds:F0} s.");
return 0;
