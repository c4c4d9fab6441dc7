using System.CommandLine;
using System.Text.Json.Nodes;
using ArML.Text;
using ArML.Transforms.Text;
using Microsoft.ML;

namespace ArML.Cli.Commands;

/// <summary>
/// <c>arml export</c>: the interchange formats ArML writes — an n-gram model as an ARPA file (KenLM, SRILM, decoders) and
/// a BPE tokenizer as Hugging Face's vocab.json + merges.txt.
/// </summary>
internal static class ExportCommand
{
    public static Command Create(CliSession session)
    {
        var model = new Argument<string>("model") { Description = "An ArML model file." };
        var arpa = new Option<string?>("--arpa") { Description = "Write the n-gram model as an ARPA file." };
        var tokenizer = new Option<string?>("--tokenizer-dir") { Description = "Write the BPE tokenizer's vocab.json and merges.txt into this folder." };
        var command = new Command("export", "Export to interchange formats: ARPA (n-gram models), Hugging Face BPE files.") { model, arpa, tokenizer };
        command.SetAction(parsed =>
        {
            var console = session.OutputFor(parsed);
            string? arpaPath = parsed.GetValue(arpa), folder = parsed.GetValue(tokenizer);
            if (arpaPath == null && folder == null) throw new CliException("say what to export: --arpa FILE and/or --tokenizer-dir FOLDER.", ExitCodes.Usage);
            var mlContext = new MLContext(seed: 1);
            using var file = ModelFile.Load(mlContext, parsed.GetValue(model)!);
            var written = new JsonArray();
            if (arpaPath != null)
            {
                var ngram = file.NGram ?? throw new CliException($"'{file.Path}' holds a {file.Kind} model; only n-gram models export to ARPA.");
                ngram.ExportArpa(arpaPath);
                written.Add(Path.GetFullPath(arpaPath));
            }
            if (folder != null)
            {
                var vocabulary = file.Parts.OfType<TokenizerTransformer>().LastOrDefault()?.Vocabulary;
                if (vocabulary is not BpeVocabulary bpe)
                    throw new CliException($"'{file.Path}' has a {vocabulary?.Description ?? "tokenizer that is not ArML's"}; only BPE tokenizers export as vocab.json + merges.txt.");
                Directory.CreateDirectory(folder);
                bpe.SaveFiles(folder);
                written.Add(Path.GetFullPath(Path.Combine(folder, "vocab.json")));
                written.Add(Path.GetFullPath(Path.Combine(folder, "merges.txt")));
            }
            console.Result(new JsonObject { ["command"] = "export", ["model"] = file.Path, ["files"] = written },
                () => "wrote " + string.Join(", ", written.Select(w => w!.ToString())));
            return ExitCodes.Success;
        });
        return command;
    }
}
