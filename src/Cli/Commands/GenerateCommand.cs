using System.CommandLine;
using System.Text.Json.Nodes;
using ArML.Trainers.Generation;
using Microsoft.ML;

namespace ArML.Cli.Commands;

/// <summary><c>arml generate</c>: continuations of prompts with any decoding strategy of <see cref="GenerationOptions"/>.</summary>
internal static class GenerateCommand
{
    public static Command Create(CliSession session)
    {
        var model = new Argument<string>("model") { Description = "An ArML model file." };
        var prompts = new Option<string[]>("--prompt", "-p") { Description = "A prompt; repeat for several (default: one empty prompt, a new row).", AllowMultipleArgumentsPerToken = false };
        var maxNew = new Option<int>("--max-new-tokens", "-n") { Description = "Tokens to generate at most.", DefaultValueFactory = _ => 200 };
        var temperature = new Option<double?>("--temperature", "-t") { Description = "Sampling temperature; 0 is greedy (default 1)." };
        var topK = new Option<int?>("--top-k") { Description = "Sample among the k most likely tokens." };
        var topP = new Option<double?>("--top-p") { Description = "Nucleus sampling: the smallest set of tokens with this probability." };
        var minP = new Option<double?>("--min-p") { Description = "Drop tokens less likely than this fraction of the most likely one." };
        var repetition = new Option<double?>("--repetition-penalty") { Description = "Penalty (> 1) on tokens already in the sequence." };
        var noRepeat = new Option<int?>("--no-repeat-ngram") { Description = "Never repeat an n-gram of this size." };
        var stop = new Option<string[]>("--stop") { Description = "A stop sequence (left out of the result); repeat for several." };
        var seed = new Option<int?>("--seed") { Description = "Seed of the sampling (default 1: reproducible).", DefaultValueFactory = _ => 1 };
        var sequences = new Option<int>("--num-sequences") { Description = "Sequences per prompt.", DefaultValueFactory = _ => 1 };
        var beams = new Option<int>("--beams") { Description = "Beam search with this many beams (deterministic).", DefaultValueFactory = _ => 1 };
        var lengthPenalty = new Option<double>("--length-penalty") { Description = "Beam search: score / length^penalty.", DefaultValueFactory = _ => 1.0 };
        var command = new Command("generate", "Generate text from a model: greedy, sampling (temperature, top-k, top-p, min-p) or beam search.")
        {
            model, prompts, maxNew, temperature, topK, topP, minP, repetition, noRepeat, stop, seed, sequences, beams, lengthPenalty,
        };
        command.SetAction(parsed =>
        {
            var console = session.OutputFor(parsed);
            var mlContext = new MLContext(seed: 1);
            using var file = ModelFile.Load(mlContext, parsed.GetValue(model)!);
            string[] texts = parsed.GetValue(prompts) is { Length: > 0 } given ? given : [""];
            var options = new GenerationOptions
            {
                MaxNewTokens = parsed.GetValue(maxNew), Temperature = parsed.GetValue(temperature), TopK = parsed.GetValue(topK),
                TopP = parsed.GetValue(topP), MinP = parsed.GetValue(minP), RepetitionPenalty = parsed.GetValue(repetition),
                NoRepeatNGramSize = parsed.GetValue(noRepeat), StopSequences = parsed.GetValue(stop), Seed = parsed.GetValue(seed),
                NumberOfSequences = parsed.GetValue(sequences), BeamCount = parsed.GetValue(beams), LengthPenalty = parsed.GetValue(lengthPenalty),
            };
            var results = new List<(int Prompt, string Text, string Finish)>();
            options.Validate();
            // Every family (GPT, LSTM/GRU, linear baseline, n-gram) decodes through the same generator and strategies.
            var generator = mlContext.LanguageModeling().CreateTextGenerator(file.Model);
            foreach (var sequence in generator.Generate(texts, options))
                results.Add((sequence.PromptIndex, sequence.Text ?? "", sequence.FinishReason.ToString()));
            var json = new JsonObject
            {
                ["command"] = "generate",
                ["model"] = file.Path,
                ["sequences"] = new JsonArray(results.Select(r => (JsonNode)new JsonObject
                {
                    ["prompt"] = texts[r.Prompt],
                    ["text"] = r.Text,
                    ["finish_reason"] = r.Finish,
                }).ToArray()),
            };
            console.Result(json, () => string.Join(Environment.NewLine, results.Select(r => texts[r.Prompt] + r.Text)));
            return ExitCodes.Success;
        });
        return command;
    }
}
