using System.Diagnostics;
using ArML.Torch;
using ArML.Trainers.Gpt;
using TorchSharp;
using static TorchSharp.torch;

namespace ArML.Bench;

/// <summary>
/// Times one GPT training step (forward, backward, AdamW) of the model measured in the shared reference
/// (vocabulary 8000, width 256, 4 layers, 4 heads, context 128, batch 8), after ArML's runtime bootstrap.
/// Prints one machine-readable line: "step_ms=MEDIAN tokens_per_s=T threads=N policy=P".
/// </summary>
internal static class TrainingStepBenchmark
{
    public static int RunInProcess(string[] args)
    {
        var policy = OmpWaitPolicy.BriefSpin;
        int? threads = null;
        int steps = 15;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--policy": policy = Enum.Parse<OmpWaitPolicy>(args[++i], ignoreCase: true); break;
                case "--threads": threads = int.Parse(args[++i]); break;
                case "--steps": steps = int.Parse(args[++i]); break;
            }
        }
        TorchRuntime.Configure(new TorchRuntimeOptions { WaitPolicy = policy, Threads = threads });
        TorchRuntime.EnsureInitialized();

        const int vocabulary = 8000, context = 128, batch = 8;
        using var model = new GptModel(new GptConfig(vocabulary, context, 4, 4, 256, 0.0, true), seed: 1);
        model.train();
        var optimizer = optim.AdamW(model.parameters(), 1e-4);
        var random = new Random(1);
        var x = new long[batch * context];
        var y = new long[batch * context];
        var times = new List<double>();
        for (int step = 0; step < steps + 3; step++)
        {
            for (int i = 0; i < x.Length; i++) { x[i] = random.Next(vocabulary); y[i] = random.Next(vocabulary); }
            var clock = Stopwatch.StartNew();
            using (var scope = NewDisposeScope())
            {
                var logits = model.call(tensor(x, [batch, context]));
                var loss = nn.functional.cross_entropy(logits.view(-1, vocabulary), tensor(y, [batch * context]));
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                _ = loss.item<float>();
            }
            if (step >= 3) times.Add(clock.Elapsed.TotalMilliseconds);   // the first steps warm up allocators and caches
        }
        times.Sort();
        double median = times[times.Count / 2];
        Console.WriteLine($"step_ms={median:F1} tokens_per_s={batch * context / (median / 1000):F0} threads={torch.get_num_threads()} " +
                          $"OMP_WAIT_POLICY={Environment.GetEnvironmentVariable("OMP_WAIT_POLICY")} GOMP_SPINCOUNT={Environment.GetEnvironmentVariable("GOMP_SPINCOUNT")}");
        return 0;
    }
}
