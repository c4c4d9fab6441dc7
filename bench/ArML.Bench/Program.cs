// ArML benchmarks (console harness; figures are printed next to a baseline measured in the same run).
//   dotnet run -c Release --project bench/ArML.Bench                 all threading scenarios (child processes)
//   dotnet run -c Release --project bench/ArML.Bench -- step --policy passive|active [--threads N]
//   dotnet run -c Release --project bench/ArML.Bench -- burn --seconds S   (a competing CPU load)
//   dotnet run -c Release --project bench/ArML.Bench -- lstm ../shared/data/tinyshakespeare.txt [--tokens N]
//                                                     2x512 LSTM vs the GPT small config on the same number of characters
using ArML.Bench;

return args.FirstOrDefault() switch
{
    "step" => TrainingStepBenchmark.RunInProcess(args[1..]),
    "burn" => CpuBurner.Run(args[1..]),
    "lstm" => RecurrentBenchmark.Run(args[1..]),
    null or "threading" => ThreadingBenchmark.Run(),
    var other => Usage(other),
};

static int Usage(string command)
{
    Console.Error.WriteLine($"Unknown command '{command}'. Commands: threading (default), step, burn, lstm.");
    return 2;
}
