// ArML benchmarks (console harness; figures are printed next to a baseline measured in the same run).
//   dotnet run -c Release --project bench/ArML.Bench                 all threading scenarios (child processes)
//   dotnet run -c Release --project bench/ArML.Bench -- step --policy passive|active [--threads N]
//   dotnet run -c Release --project bench/ArML.Bench -- burn --seconds S   (a competing CPU load)
//   dotnet run -c Release --project bench/ArML.Bench -- eval [--rows N] [--resamples R]   (Evaluate, Compare, ScalingLaw.Fit)
using ArML.Bench;

return args.FirstOrDefault() switch
{
    "step" => TrainingStepBenchmark.RunInProcess(args[1..]),
    "burn" => CpuBurner.Run(args[1..]),
    "eval" => EvaluationBenchmark.Run(args[1..]),
    null or "threading" => ThreadingBenchmark.Run(),
    var other => Usage(other),
};

static int Usage(string command)
{
    Console.Error.WriteLine($"Unknown command '{command}'. Commands: threading (default), step, burn, eval.");
    return 2;
}
