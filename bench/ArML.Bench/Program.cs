// ArML benchmarks (console harness; figures are printed next to a baseline measured in the same run).
//   dotnet run -c Release --project bench/ArML.Bench                 all threading scenarios (child processes)
//   dotnet run -c Release --project bench/ArML.Bench -- step --policy passive|active [--threads N]
//   dotnet run -c Release --project bench/ArML.Bench -- burn --seconds S   (a competing CPU load)
//   dotnet run -c Release --project bench/ArML.Bench -- gpt-speed [PATH]      trainer vs bare TorchSharp loop, MFU vs measured GEMM rates
//       [--small-only] [--bf16-only|--fp32-only] [--repeats N] [--no-validation]; --pairs-only: two threads over one, pair
//       after pair; --share-ab: the split's halves sharing one bfloat16 cast of the weights vs each casting its own
//   dotnet run -c Release --project bench/ArML.Bench -- gpt-profile [fp32|bf16] [STEPS] [batch=N] [threads=N] [nobias] [baby] [split [contention|versus-one]|share-ab]
//       where a small GPT step spends its time; share-ab: shared vs own casts, step by step on one model; contention: the
//       split's halves at once vs one after the other, step by step (what running side by side costs each); versus-one:
//       the split vs one pass on one thread, 20-step blocks in turn (two threads over one without the drift between runs)
//   dotnet run -c Release --project bench/ArML.Bench -- op-cost [mkl-own]
//       per-call cost of small libtorch operations on one thread (dispatch, casts, weight-sized passes, small products)
//   dotnet run -c Release --project bench/ArML.Bench -- split-round-trip
//       what handing work to the split's two threads costs (an empty Run, after the caller was busy 0 us to 1 ms)
//   dotnet run -c Release --project bench/ArML.Bench -- scalar-race [SECONDS]
//       TorchSharp's implicit Scalars finalized during native calls (failed adds), vs KeptScalar
//   dotnet run -c Release --project bench/ArML.Bench -- gpt-shakespeare [PATH] nanoGPT's small config, fp32 and bf16
//   dotnet run -c Release --project bench/ArML.Bench -- ngram [--run-peer] [--peer FILE] [--views stream,lines] [--orders 3,10] [--runs N]
//       n-gram trainer vs KenLM in the same window (shared/peers/run.sh kenlm-shakespeare, its result at most 1 h old);
//       for ahead-of-time code, publish with -p:PublishReadyToRun=true -o bench/ArML.Bench/bin/r2r and run the binary there
//       (add -p:ArmlReadyToRunArmlOnly=true for ArML's code only, as its packages carry it)
//   dotnet run -c Release --project bench/ArML.Bench -- tokenizers [--encoding-only|--training-only]
//       encoding throughput vs Microsoft.ML.Tokenizers and BPE training vs Hugging Face tokenizers
//       (run tools/tokenizer-parity/install.sh first for the Hugging Face figures)
//   dotnet run -c Release --project bench/ArML.Bench -- eval [--rows N] [--resamples R]   (Evaluate, Compare, ScalingLaw.Fit)
//   dotnet run -c Release --project bench/ArML.Bench -- gen-speed [--tokens N] decoding with vs without the KV cache, ctx 256 and 1024
//   dotnet run -c Release --project bench/ArML.Bench -- family-gen-speed [--tokens N] LSTM, GRU, baseline, 5-gram: carried state vs re-reading, prompts 256 and 1024
//   dotnet run -c Release --project bench/ArML.Bench -- lstm ../shared/data/tinyshakespeare.txt [--tokens N]
//                                                     2x512 LSTM vs the GPT small config on the same number of characters
//   dotnet run -c Release --project bench/ArML.Bench -- density [--data DIR] [--models fvsbn,nade,made,made-direct,pixelcnn] [--max-minutes M] [--epochs E] [--seed S] ...
//       binarized MNIST test NLL of FVSBN, NADE, MADE and PixelCNN (default data ../shared/data/binarized_mnist)
//   dotnet run -c Release --project bench/ArML.Bench -- pixelcnn-step [--batch B] [--filters F] [--layers L] [--steps N] [--bf16-only]
//       a gated PixelCNN's training step on 28x28 images: float32 vs bfloat16, contiguous vs channels-last, in one process
//   dotnet run -c Release --project bench/ArML.Bench -- made-reference [DIR] [epochs] [hidden] [lr] [adam|adagrad] [direct 0|1]
//       an independent plain-TorchSharp MADE on binarized MNIST, to cross-check the trainer
//   dotnet run -c Release --project bench/ArML.Bench -- long-row [--chars N] [--width W] [--context T] [--layers L] [--stride S] [--budget-mb M]
//   dotnet run -c Release --project bench/ArML.Bench -- hf   (124M GPT-2 checkpoint: load time, peak memory, scoring vs bare forward)
//       peak resident memory of scoring one long row with a GPT (one shape per process)
//   dotnet run -c Release --project bench/ArML.Bench -- lstm-long [--chars N] [--width W] [--layers L] [--repeats R] [--short-rows N]
//       time of scoring one long row with an LSTM (Transform and PredictionEngine), LstmRecurrence vs libtorch's
//       packed LSTM in the same run, projected to 5M characters
//   dotnet run -c Release --project bench/ArML.Bench -- lora [--steps N] [--batch B] [--rank R] [--threads T]
//       124M GPT-2-shaped model, context 256: peak memory and step time of LoRA vs full fine-tuning
//   dotnet run -c Release --project bench/ArML.Bench -- onnx
//       scoring tok/s ONNX Runtime vs TorchSharp, greedy decoding tok/s ONNX Runtime GenAI vs the KV cache, ctx 256 and 1024
using ArML.Bench;
using ArML.Bench.Tokenizers;

return args.FirstOrDefault() switch
{
    "step" => TrainingStepBenchmark.RunInProcess(args[1..]),
    "burn" => CpuBurner.Run(args[1..]),
    "gpt-speed" => GptSpeedBenchmark.Run(args[1..]),
    "gpt-shakespeare" => GptShakespeareBenchmark.Run(args[1..]),
    "gpt-profile" => GptStepProfile.Run(args[1..]),
    "split-round-trip" => SplitRoundTrip.Run(),
    "scalar-race" => ScalarLifetimeBenchmark.Run(args[1..]),
    "op-cost" => OpCostBenchmark.Run(args[1..]),
    "attention" => AttentionBenchmark.Run(args[1..]),
    "ngram" => NGramBenchmark.Run(args[1..]),
    "ngram-one" => NGramBenchmarkRun.Run(args[1..]),
    "tokenizers" => TokenizerBenchmark.Run(args[1..]),
    "tokenizers-train" => BpeTrainingRun.RunInProcess(args[1..]),
    "eval" => EvaluationBenchmark.Run(args[1..]),
    "gen-speed" => GenerationSpeedBenchmark.Run(args[1..]),
    "family-gen-speed" => FamilyDecodingBenchmark.Run(args[1..]),
    "lstm" => RecurrentBenchmark.Run(args[1..]),
    "density" => DensityBenchmark.Run(args[1..]),
    "made-reference" => MadeReference.Run(args[1..]),
    "long-row" => LongRowMemoryBenchmark.Run(args[1..]),
    "lstm-long" => LstmLongRowBenchmark.Run(args[1..]),
    "classify" => ClassifyBenchmark.Run(args[1..]),
    "onnx" => OnnxBenchmark.Run(args[1..]),
    "hf" => HuggingFaceBenchmark.Run(args[1..]),
    "wavenet" => WaveNetBenchmark.Run(args[1..]),
    "pixelcnn-step" => PixelCnnStepBenchmark.Run(args[1..]),
    "lora" => LoraBenchmark.Run(args[1..]),
    null or "threading" => ThreadingBenchmark.Run(),
    var other => Usage(other),
};

static int Usage(string command)
{
    Console.Error.WriteLine($"Unknown command '{command}'. Commands: threading (default), step, burn, gpt-speed, gpt-shakespeare, gpt-profile, scalar-race, op-cost, split-round-trip, attention, ngram, tokenizers, tokenizers-train, eval, gen-speed, family-gen-speed, lstm, density, made-reference, long-row, lstm-long, classify, onnx, hf, wavenet, pixelcnn-step, lora.");
    return 2;
}
