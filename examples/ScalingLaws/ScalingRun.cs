using System.Diagnostics;
using ArML.Evaluators.ScalingLaws;
using ArML.Trainers.Gpt;
using Microsoft.ML;

namespace ArML.Examples.ScalingLaws;

/// <summary>One model of the series: its shape and training length.</summary>
internal sealed record ScalingRun(int Layers, int Width, int Heads, int Iterations)
{
    public const int ContextLength = 32;
    public const int BatchSize = 16;

    /// <summary>Tokens the run trains on: every step reads BatchSize windows of ContextLength tokens.</summary>
    public long TrainingTokens => (long)Iterations * BatchSize * ContextLength;

    /// <summary>Trains on <paramref name="train"/> (a token column) and measures the validation loss in nats per token.</summary>
    public ScalingResult Train(MLContext mlContext, IDataView train, IDataView valid, int seed)
    {
        var clock = Stopwatch.StartNew();
        var trainer = mlContext.LanguageModeling().Trainers.Gpt(new GptTrainer.Options
        {
            TokenColumnName = "Tokens",
            ContextLength = ContextLength,
            LayerCount = Layers,
            HeadCount = Heads,
            EmbeddingSize = Width,
            BatchSize = BatchSize,
            MaxIterations = Iterations,
            LearningRate = 3e-3,
            WarmupIterations = Math.Max(1, Iterations / 20),
            EvaluationInterval = Iterations,
            Seed = seed,
        });
        using var model = trainer.Fit(train);
        long parameters = ((ArML.Trainers.Gpt.GptLanguageModel)model.Model).Model.parameters().Sum(p => p.numel());
        var metrics = mlContext.LanguageModeling().Evaluate(model.Transform(valid));
        return new ScalingResult(this, parameters, ScalingLaw.TrainingCompute(parameters, TrainingTokens), metrics.CrossEntropy,
            clock.Elapsed.TotalSeconds);
    }
}

/// <summary>What one run reached: N parameters, C = 6·N·D FLOPs, validation loss (nats per token).</summary>
internal sealed record ScalingResult(ScalingRun Run, long Parameters, double Compute, double Loss, double Seconds);
