// ArML benchmarks (console harness; figures are printed next to a baseline measured in the same run).
//   dotnet run -c Release --project bench/ArML.Bench                 all threading scenarios (child processes)
//   dotnet run -c Release --project bench/ArML.Bench -- step --policy passive|active [--threads N]
//   dotnet run -c Release --project bench/ArML.Bench -- burn --seconds S   (a competing CPU load)
//   dotnet run -c Release --project bench/ArML.Bench -- density [--data DIR] [--models fvsbn,nade,made,made-direct] [--minutes M]
//       binarized MNIST test NLL of FVSBN, NADE and MADE (default data ../shared/data/binarized_mnist)
using ArML.Bench;

return args.FirstOrDefault() switch
{
    "step" => TrainingStepBenchmark.RunInProcess(args[1..]),
    "burn" => CpuBurner.Run(args[1..]),
    "density" => DensityBenchmark.Run(args[1..]),
    null or "threading" => ThreadingBenchmark.Run(),
    var other => Usage(other),
};

static int Usage(string command)
{
    Console.Error.WriteLine($"Unknown command '{command}'. Commands: threading (default), step, burn, density.");
    return 2;
}
