// ArML benchmarks (console harness; figures are printed next to a baseline measured in the same run).
//   dotnet run -c Release --project bench/ArML.Bench                 all threading scenarios (child processes)
//   dotnet run -c Release --project bench/ArML.Bench -- step --policy passive|active [--threads N]
//   dotnet run -c Release --project bench/ArML.Bench -- burn --seconds S   (a competing CPU load)
//   dotnet run -c Release --project bench/ArML.Bench -- tokenizers [--encoding-only|--training-only]
//       encoding throughput vs Microsoft.ML.Tokenizers and BPE training vs Hugging Face tokenizers
//       (run tools/tokenizer-parity/install.sh first for the Hugging Face figures)
using ArML.Bench;
using ArML.Bench.Tokenizers;

return args.FirstOrDefault() switch
{
    "step" => TrainingStepBenchmark.RunInProcess(args[1..]),
    "burn" => CpuBurner.Run(args[1..]),
    "tokenizers" => TokenizerBenchmark.Run(args[1..]),
    "tokenizers-train" => BpeTrainingRun.RunInProcess(args[1..]),
    null or "threading" => ThreadingBenchmark.Run(),
    var other => Usage(other),
};

static int Usage(string command)
{
    Console.Error.WriteLine($"Unknown command '{command}'. Commands: threading (default), step, burn, tokenizers, tokenizers-train.");
    return 2;
}
